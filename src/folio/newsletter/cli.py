"""``flask --app folio newsletter send-pending``: finish sends a worker left behind."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("newsletter")
def newsletter_commands() -> None:
    """Email newsletters."""


@newsletter_commands.command("send-pending")
@with_appcontext
def send_pending() -> None:
    """Queue again every article whose mails are still pending (after a batch gave up its
    retries, e.g. a long SMTP outage). Nothing already sent is sent again."""
    from folio.core.uow import unit_of_work
    from folio.newsletter import rules
    from folio.tasks import run_task

    with unit_of_work() as uow:
        article_ids = rules.articles_with_pending_sends(uow.session)
    for article_id in article_ids:
        run_task("newsletter_fan_out", article_id)
    click.echo(f"{len(article_ids)} article(s) with pending mails queued again.")
