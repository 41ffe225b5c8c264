"""``flask federation ...``: the due-runner for deliveries without a worker."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("federation")
def federation_commands() -> None:
    """ActivityPub federation."""


@federation_commands.command("deliver-due")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1))
@with_appcontext
def deliver_due_command(limit: int) -> None:
    """Send every delivery whose next attempt is due (safe to run anywhere, often)."""
    from folio.federation.delivery import deliver_due

    click.echo(f"{deliver_due(limit)} deliveries sent or queued")
