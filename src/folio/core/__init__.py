"""What every area shares: the unit of work and domain events. Imports no area."""
