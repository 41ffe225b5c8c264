"""Building exports: the Celery tasks, where archives are stored, their signed links.

A request records ``ExportRequested``; after the commit :func:`_on_requested` queues
``folio.tasks.build_export`` (run in place when there is no broker). The task writes the
archive to a temporary file (:mod:`folio.exports.archive`), stores it through the media
storage under ``exports/`` (the instance folder locally, the bucket on S3; the public
/media route serves media keys only), marks the export ready and mails its owner a
signed link that expires with the archive. ``folio.tasks.prune_exports`` (beat, or
``flask --app folio export prune``) deletes expired archives and their rows.
"""

from __future__ import annotations

import logging
import os
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from celery import shared_task
from flask import Flask, Response, current_app, send_file
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from folio.accounts.events import AccountDeleted
from folio.accounts.models import User
from folio.core.errors import NotFound
from folio.core.events import subscribe
from folio.core.uow import current_session, unit_of_work
from folio.errors import DependencyUnavailable
from folio.exports import rules
from folio.exports.archive import Scope, write_archive
from folio.exports.events import ExportRequested
from folio.exports.models import Export, ExportKind
from folio.i18n import N_
from folio.i18n.setup import mail_locale
from folio.media.storage import StorageError
from folio.media.uploads import storage
from folio.tasks import RETRYABLE, external_url, mail_once, run_task

log = logging.getLogger(__name__)

_LINK_SALT = "folio.exports.link"
ZIP = "application/zip"
# Why a build failed, as the export row keeps it (English: the API gives it; the pages
# translate it, folio.exports.pages.export_error).
STORAGE_FAILED = N_("The storage could not be reached; ask again later.")
BUILD_FAILED = N_("The archive could not be built (%(error)s).")


def init_exports(app: Flask) -> None:
    """Queue the build after each request commits; prune expired archives on the beat."""
    subscribe(_on_requested, ExportRequested)  # type: ignore[arg-type]
    # A deleted account's archives go at once (its rows lost their owner).
    subscribe(_on_account_deleted, AccountDeleted)  # type: ignore[arg-type]
    celery = app.extensions["celery"]
    celery.conf.beat_schedule["prune-exports"] = {
        "task": "folio.tasks.prune_exports",
        "schedule": float(app.config.get("EXPORT_PRUNE_SECONDS", 3600.0)),
    }


def _on_requested(event: ExportRequested) -> None:
    run_task("build_export", event.export_id)


def _on_account_deleted(_event: AccountDeleted) -> None:
    run_task("prune_exports")


def _now() -> datetime:
    return datetime.now(UTC)


def _keep() -> timedelta:
    return timedelta(seconds=int(current_app.config["EXPORT_LINK_SECONDS"]))


def _source() -> str:
    return str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")


# --- building ----------------------------------------------------------------------------


@shared_task(name="folio.tasks.build_export")
def build_export(export_id: int) -> bool:
    """Build, store and announce an export; False when there was nothing to do or it
    failed (the row says why). A repeat of a finished export does nothing."""
    return build_now(export_id)


def build_now(export_id: int) -> bool:
    with unit_of_work() as uow:
        export = rules.start_export(uow.session, export_id)
        if export is None:
            return False
        scope = scope_of(uow.session, export)
    try:
        key, size = _build_and_store(scope)
    except Exception as error:
        log.exception("export %s failed", export_id)
        with unit_of_work() as uow:
            rules.fail_export(uow.session, export_id, _describe(error), _now(), _keep())
        return False
    with unit_of_work() as uow:
        export = uow.session.get(Export, export_id)
        if export is None:  # its owner was deleted meanwhile
            storage().delete([key])
            return False
        rules.finish_export(uow.session, export, key, size, _now(), _keep())
    run_task("mail_export_ready", export_id)
    return True


def scope_of(session: Any, export: Export) -> Scope:
    if export.kind == ExportKind.SITE.value:
        return Scope("site")
    owner = session.get(User, export.owner_id) if export.owner_id is not None else None
    return Scope("user", export.owner_id, owner.username if owner else None)


def _build_and_store(scope: Scope) -> tuple[str, int]:
    with tempfile.TemporaryDirectory(prefix="folio-export-") as folder:
        path = Path(folder) / "export.zip"
        with open(path, "wb") as file:
            write_archive(current_session(), storage(), file, scope, _source())
        key = f"exports/{uuid.uuid4().hex}.zip"
        storage().put_file(key, path, ZIP)
        return key, path.stat().st_size


def _describe(error: Exception) -> str:
    if isinstance(error, StorageError):
        return STORAGE_FAILED
    return BUILD_FAILED % {"error": type(error).__name__}


def write_to_path(scope: Scope, out: Path) -> int:
    """Write the archive straight to ``out`` (the command line); its size in bytes.

    Written beside ``out`` under a temporary name and renamed: a failure leaves no
    half-written file. :raises OSError: ``out`` cannot be written.
    """
    out = out.resolve()
    fd, temp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            write_archive(current_session(), storage(), file, scope, _source())
        os.chmod(temp, 0o600)  # personal data: the owner's to share
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return out.stat().st_size


# --- announcing ----------------------------------------------------------------------


@shared_task(
    name="folio.tasks.mail_export_ready",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def mail_export_ready(export_id: int) -> bool:
    """Email the owner the archive's signed link (once per export)."""
    session = current_session()
    export = session.get(Export, export_id)
    if export is None or not export.is_ready or export.expires_at is None:
        return False
    owner = session.get(User, export.owner_id) if export.owner_id is not None else None
    if owner is None or not owner.is_active:
        return False
    link = external_url(_source(), "web.export_link", token=link_token(export))
    with force_locale(mail_locale(owner.locale)):
        subject, body = _ready_mail(export, owner, link)
    return mail_once(f"export:{export.id}", owner.email, subject, body)


def _ready_mail(export: Export, owner: User, link: str) -> tuple[str, str]:
    """The "export is ready" email's subject and text, in the current locale."""
    until = format_datetime(export.expires_at, "long")
    if export.kind == ExportKind.SITE.value:
        ready = _(
            "Your export of the whole site is ready. Download it here until %(until)s:",
            until=until,
        )
    else:
        ready = _(
            "Your export of everything you wrote is ready. Download it here until %(until)s:",
            until=until,
        )
    body = "\n\n".join(
        [
            _("Hello %(name)s,", name=owner.name),
            ready,
            link,
            _("Anyone with the link can download the archive: keep it to yourself.") + "\n",
        ]
    )
    return _("Your Folio export is ready"), body


# --- links and downloads ---------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def link_token(export: Export) -> str:
    return _serializer().dumps({"id": export.id, "key": export.storage_key})


def export_by_link(session: Any, token: str) -> Export:
    """The ready export a signed link names.

    :raises ExportGone: the link (or the archive) expired.
    :raises NotFound: the token is not one Folio signed.
    """
    try:
        payload = _serializer().loads(token, max_age=int(current_app.config["EXPORT_LINK_SECONDS"]))
    except SignatureExpired:
        raise rules.ExportGone() from None
    except BadSignature:
        raise NotFound("export") from None
    export = session.get(Export, payload.get("id")) if isinstance(payload, dict) else None
    # Signed by us, so it existed: pruned since, its owner gone, or another key.
    if export is None or export.owner_id is None or export.storage_key != payload.get("key"):
        raise rules.ExportGone()
    rules.check_downloadable(export, _now())
    return export


def archive_response(export: Export) -> Response:
    """The archive as a download: the file itself when local, else streamed in chunks."""
    key = rules.check_downloadable(export, _now())
    name = f"folio-{export.kind}-export-{export.id}.zip"
    target = storage()
    try:
        path = target.local_path(key)
        if path is not None and path.is_file():
            response = send_file(path, mimetype=ZIP, as_attachment=True, download_name=name)
        else:
            chunks = target.chunks(key)
            if chunks is None:
                raise rules.ExportGone()
            response = Response(chunks, mimetype=ZIP)
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    except StorageError as error:
        raise DependencyUnavailable("the export storage") from error
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- pruning -------------------------------------------------------------------------


@shared_task(name="folio.tasks.prune_exports")
def prune_exports() -> int:
    """Delete expired archives and their rows (beat runs it hourly)."""
    return prune_now()


def prune_now(now: datetime | None = None) -> int:
    """Delete every expired archive, then its row; how many. The objects go first: a
    storage failure leaves the rows, and the next run tries again."""
    moment = now or _now()
    pruned = 0
    while True:
        with unit_of_work() as uow:
            batch = rules.expired_exports(uow.session, moment)
            if not batch:
                return pruned
            storage().delete([e.storage_key for e in batch if e.storage_key])
            for export in batch:
                rules.forget_export(uow.session, export)
        pruned += len(batch)
