"""``flask --app folio import PATH --user USERNAME [--dry-run]``.

Detects the format, imports (or only plans) every item and prints the report the page
shows; the exit status is 1 when an item failed (2 when the file is refused). Authors
are mapped to accounts by email, as in an administrator's import; ``--user`` is the
author of items the file names no author for.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="Default author of the items.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@with_appcontext
def import_command(path: Path, username: str, dry_run: bool) -> None:
    """Import a Ghost, WordPress or Markdown-zip export."""
    from folio.accounts import rules as accounts
    from folio.core.errors import DomainError
    from folio.core.uow import current_session
    from folio.imports.items import ImportRefused
    from folio.imports.runner import read_file, run_import

    try:
        actor = accounts.get_profile(current_session(), username)
    except DomainError:
        raise click.ClickException(f"No account is named {username!r}.") from None
    try:
        archive = read_file(path.read_bytes())
    except ImportRefused as refused:
        click.echo(refused.message, err=True)
        raise SystemExit(2) from None
    report = run_import(archive, actor, map_authors=True, dry_run=dry_run)
    click.echo(report.as_text())
    if report.failed:
        raise SystemExit(1)
