"""``flask --app folio stats rollup``: the beat task's work, for cron or by hand."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

stats_commands = AppGroup("stats", help="Article statistics.")


@stats_commands.command("rollup")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Roll up this UTC day only (default: yesterday and today, then forget the visitor "
    "hashes of earlier days).",
)
def rollup(day: object) -> None:
    """Copy the counted views into the daily tables (safe to run any number of times)."""
    from folio.stats.runner import rollup_now

    chosen: date | None = day.date() if day is not None else None  # type: ignore[attr-defined]
    for done in rollup_now(chosen):
        click.echo(
            f"{done.day.isoformat()}: {done.views} views, {done.visitors} unique visitors "
            f"on {done.articles} articles"
        )
