"""Following authors and their profiles."""
