"""Where an uploaded file waits, the task that runs an import, and the old-address hook.

The file waits under ``IMPORT_ROOT`` (default: the instance folder's ``imports/``),
never under the media storage or anything Folio serves. The task
``folio.tasks.run_import`` reads it, runs the import, records its progress on the
``import_runs`` row after every article (the page polls it), and keeps the report.

Old addresses (``legacy_redirects``) are looked up only when a request found nothing
(a 404), and for ``/`` only when it carries ``?p=`` (WordPress's plain permalinks): the
pages that do exist pay nothing for them.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from celery import shared_task
from flask import Flask, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from folio.core.events import subscribe
from folio.core.uow import current_session, unit_of_work
from folio.imports import rules
from folio.imports.events import ImportQueued
from folio.imports.items import ImportRefused
from folio.imports.models import ImportRun
from folio.imports.report import STOPPED_PART_WAY, Report

log = logging.getLogger(__name__)
WORDPRESS_ARGUMENTS = ("p", "page_id")


# --- the waiting file ---------------------------------------------------------------------


def import_root() -> Path:
    configured = current_app.config.get("IMPORT_ROOT")
    root = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def stash_upload(data: bytes) -> str:
    """Keep an upload until its run; the name it is kept under."""
    name = f"upload-{secrets.token_hex(16)}.bin"
    path = import_root() / name
    with open(path, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(data)
    return name


def attach_upload(name: str, run_id: int) -> None:
    (import_root() / name).replace(_run_path(run_id))


def _run_path(run_id: int) -> Path:
    return import_root() / f"run-{int(run_id)}.bin"


def discard_upload(name: str) -> None:
    (import_root() / name).unlink(missing_ok=True)


def run_file(run_id: int) -> bytes | None:
    path = _run_path(run_id)
    return path.read_bytes() if path.is_file() else None


# --- the task -------------------------------------------------------------------------------


@shared_task(name="folio.tasks.run_import")
def run_import_task(run_id: int) -> str:
    """Run an import whose dry run its owner accepted. A repeat (a redelivered message)
    creates nothing twice: every item created is remembered."""
    from folio.imports.runner import read_file, run_import
    from folio.models import User

    session = current_session()
    run = session.get(ImportRun, run_id)
    if run is None or run.status not in ("queued", "running"):
        return "nothing to do"
    owner = session.get(User, run.owner_id)
    data = run_file(run_id)
    if owner is None or data is None:
        _finish(run_id, "failed", Report(run.format, False, warnings=["the file is gone"]))
        return "failed"
    _progress(run_id, "running", 0, Report(run.format, False))
    latest = Report(run.format, False)

    def progressed(done: int, partial: Report) -> None:
        nonlocal latest
        latest = partial
        _progress(run_id, "running", done, partial)

    try:
        report = run_import(
            read_file(data),
            owner,
            map_authors=owner.is_admin,
            dry_run=False,
            on_progress=progressed,
        )
    except ImportRefused as refused:
        latest.warnings.append(refused.message)
        _finish(run_id, "failed", latest)
        return "failed"
    except Exception:
        log.exception("import run %s failed", run_id)
        # What was done stays done (and remembered): running it again finishes the rest.
        latest.warnings.append(STOPPED_PART_WAY)
        _finish(run_id, "failed", latest)
        raise
    _finish(run_id, "done", report)
    return "done"


def _progress(run_id: int, status: str, done: int, report: Report) -> None:
    with unit_of_work() as uow:
        rules.record_progress(
            uow.session, run_id, status=status, done=done, report=report.to_json()
        )


def _finish(run_id: int, status: str, report: Report) -> None:
    with unit_of_work() as uow:
        run = uow.session.get(ImportRun, run_id)
        done = len(report.lines) if run is None else max(run.done, len(report.lines))
        rules.record_progress(
            uow.session, run_id, status=status, done=done, report=report.to_json()
        )
    if status == "done" and not report.failed:
        _run_path(run_id).unlink(missing_ok=True)


# --- old addresses -------------------------------------------------------------------------


def _wordpress_query() -> Response | None:
    """``/?p=123`` and ``/?page_id=45``: WordPress's plain permalinks."""
    if request.path != "/" or request.method not in ("GET", "HEAD"):
        return None
    for argument in WORDPRESS_ARGUMENTS:
        value = request.args.get(argument, "")
        if value.isdigit():
            return _redirect_to(rules.redirect_slug(current_session(), f"/?{argument}={value}"))
    return None


def _after_not_found(response: Response) -> Response:
    if response.status_code != 404 or request.method not in ("GET", "HEAD"):
        return response
    if request.path.startswith(("/api/", "/media/", "/static/")):
        return response
    return _redirect_to(rules.redirect_slug(current_session(), request.path)) or response


def _redirect_to(slug: str | None) -> Response | None:
    # Only ever to an article page built here: the stored path picks the article, never
    # the address, so nothing can make this an open redirect.
    if slug is None:
        return None
    return redirect(url_for("web.article", slug=slug), code=301)


def _on_queued(event: ImportQueued) -> None:
    from folio.tasks import run_task

    run_task("run_import", event.run_id)


def init_imports(app: Flask) -> None:
    app.before_request(_wordpress_query)
    app.after_request(_after_not_found)
    subscribe(_on_queued, ImportQueued)  # type: ignore[arg-type]
