"""Who may export what, and an export's life: pending, running, ready or failed, expired.

Verb functions on a session: they flush, never commit, and raise domain errors. The
archive itself is written by :mod:`folio.exports.archive`, from the task.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from folio.accounts.models import User
from folio.core.errors import Conflict, DomainError, Forbidden, NotFound
from folio.core.events import record
from folio.exports.events import ExportRequested
from folio.exports.models import Export, ExportKind, ExportStatus
from folio.i18n import N_

# An export still pending or running after this is taken for lost (a worker that died
# for good) and no longer keeps its owner from asking again.
STALE_AFTER = timedelta(hours=6)
ERROR_MAX = 500


class ExportGone(DomainError):
    """The archive expired (and is deleted, or about to be)."""

    status_code = 410

    def __init__(self) -> None:
        super().__init__(
            {"export": [N_("has expired: ask for a new export")]}, N_("This export has expired.")
        )


def request_export(session: Session, actor: User, kind: ExportKind, now: datetime) -> Export:
    """Ask for an archive of ``actor``'s writing, or (an administrator) of the whole site.

    :raises Forbidden: a site export asked by someone who is not an administrator.
    :raises Conflict: an export of ``actor``'s is still being built.
    """
    if kind is ExportKind.SITE and not actor.is_admin:
        raise Forbidden("export", N_("only an administrator can export the whole site"))
    busy = session.scalar(
        select(Export.id)
        .where(
            Export.owner_id == actor.id,
            Export.status.in_([ExportStatus.PENDING.value, ExportStatus.RUNNING.value]),
            Export.created_at > now - STALE_AFTER,
        )
        .limit(1)
    )
    if busy is not None:
        raise Conflict.on("export", N_("is already being prepared: wait until it is ready"))
    export = Export(owner_id=actor.id, kind=kind.value, status=ExportStatus.PENDING.value)
    export.created_at = now
    session.add(export)
    session.flush()
    record(session, ExportRequested(export_id=export.id, owner_id=actor.id))
    return export


def get_export(session: Session, actor: User, export_id: int) -> Export:
    """An export ``actor`` may see: their own, or any site export for an administrator.

    :raises NotFound: no such export, or someone else's (the same answer: no one learns
        which ids exist).
    """
    export = session.get(Export, export_id)
    if export is None or not _may_see(actor, export):
        raise NotFound("export")
    return export


def _may_see(actor: User, export: Export) -> bool:
    if export.owner_id is None:  # its owner deleted their account
        return False
    if export.owner_id == actor.id:
        return True
    return export.kind == ExportKind.SITE.value and actor.is_admin


def list_exports(
    session: Session,
    actor: User,
    *,
    limit: int,
    offset: int = 0,
    kind: ExportKind | None = None,
) -> tuple[list[Export], int]:
    """``actor``'s exports (of one kind, if given), newest first, and how many."""
    mine = Export.owner_id == actor.id
    if kind is not None:
        mine = mine & (Export.kind == kind.value)
    total = session.scalar(select(func.count()).select_from(Export).where(mine)) or 0
    items = session.scalars(
        select(Export)
        .where(mine)
        .order_by(Export.created_at.desc(), Export.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(items), total


def check_downloadable(export: Export, now: datetime) -> str:
    """The storage key of a ready, unexpired archive.

    :raises ExportGone: it expired.
    :raises Conflict: it is not ready (still being built, or it failed).
    """
    if export.expires_at is not None and export.expires_at <= now:
        raise ExportGone()
    if not export.is_ready or export.storage_key is None:
        raise Conflict.on("export", f"is not ready to download (it is {export.status})")
    return export.storage_key


def start_export(session: Session, export_id: int) -> Export | None:
    """Mark the export running; None when there is nothing to do (gone, done, failed), so
    a task delivered twice builds it once."""
    export = session.get(Export, export_id, with_for_update=True)
    if export is None or not export.in_progress or export.owner_id is None:
        return None
    export.status = ExportStatus.RUNNING.value
    session.flush()
    return export


def finish_export(
    session: Session, export: Export, key: str, size: int, now: datetime, keep: timedelta
) -> None:
    export.status = ExportStatus.READY.value
    export.storage_key = key
    export.bytes = size
    export.finished_at = now
    export.expires_at = now + keep
    export.error = None
    session.flush()


def fail_export(
    session: Session, export_id: int, message: str, now: datetime, keep: timedelta
) -> None:
    """Mark the export failed with a message its owner may read; pruned like the rest."""
    export = session.get(Export, export_id)
    if export is None:
        return
    export.status = ExportStatus.FAILED.value
    export.error = message[:ERROR_MAX]
    export.finished_at = now
    export.expires_at = now + keep
    session.flush()


def expired_exports(session: Session, now: datetime, limit: int = 100) -> list[Export]:
    """Exports whose archive is past its time, or whose owner deleted their account,
    ``limit`` at a time."""
    return list(
        session.scalars(
            select(Export)
            .where(or_(Export.owner_id.is_(None), Export.expires_at <= now))
            .order_by(Export.id)
            .limit(limit)
        )
    )


def forget_export(session: Session, export: Export) -> None:
    """Delete the row (its archive already removed from the storage)."""
    session.delete(export)
    session.flush()
