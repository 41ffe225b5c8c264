"""``flask --app folio webhooks deliver-due``: attempt every due webhook delivery now."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("webhooks")
def webhook_commands() -> None:
    """Signed webhooks: deliveries and their retries."""


@webhook_commands.command("deliver-due")
@with_appcontext
def deliver_due() -> None:
    """Attempt every delivery whose time has come (safe to run concurrently, e.g. from cron
    on an install without a Celery beat)."""
    from folio.webhooks.runner import deliver_due as run

    counts = run()
    total = sum(counts.values())
    detail = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
    click.echo(
        f"{total} due webhook deliver{'y' if total == 1 else 'ies'} attempted"
        + (f": {detail}." if detail else ".")
    )
