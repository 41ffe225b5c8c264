"""``flask --app folio export``: an archive straight to a file, and pruning.

``export --user USERNAME OUT.zip`` and ``export --site OUT.zip`` write the archive the
pages offer; ``export prune`` deletes expired archives (what the beat task does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from folio.core.errors import DomainError


class _ExportGroup(click.Group):
    """``export [--user U | --site] OUT`` unless the first word names a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["archive", *args]
        return super().parse_args(ctx, args)


@click.group("export", cls=_ExportGroup)
def export_commands() -> None:
    """Export a writer's work (--user USERNAME OUT.zip) or the site (--site OUT.zip)."""


@export_commands.command("archive", hidden=True)
@click.option("--user", "username", help="Export everything this writer wrote.")
@click.option("--site", is_flag=True, help="Export the whole site.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_archive(username: str | None, site: bool, out: Path) -> None:
    """Write the export archive to OUT (a .zip)."""
    from folio.exports.archive import Scope
    from folio.exports.runner import write_to_path

    if bool(username) == site:
        raise click.UsageError("give exactly one of --user USERNAME or --site")
    scope = Scope("site") if site else _user_scope(username or "")
    try:
        size = write_to_path(scope, out)
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror or error}") from error
    what = "the site" if site else username
    click.echo(f"Exported {what} to {out} ({size} bytes).")


def _user_scope(username: str) -> Any:
    from folio.accounts import rules as accounts
    from folio.core.uow import current_session
    from folio.exports.archive import Scope

    try:
        user = accounts.get_profile(current_session(), username)
    except DomainError as error:
        raise click.ClickException(f"no active user named {username!r}") from error
    return Scope("user", user.id, user.username)


@export_commands.command("prune")
@with_appcontext
def prune() -> None:
    """Delete expired export archives (the beat task does it hourly)."""
    from folio.exports.runner import prune_now

    click.echo(f"Deleted {prune_now()} expired export(s).")
