"""/settings/import: upload an export, see the dry run, run it, follow it, read the report.

The upload is read and planned in the request (nothing is written but the run's row and
the waiting file); "Run import" queues ``folio.tasks.run_import`` (after the commit, by
an event subscriber). The run's page shows a ``<progress>`` bar that a small script
refreshes from the JSON status; without the script, reloading the page does the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.wrappers import Response

from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.extensions import csrf
from folio.guards import body_limits
from folio.imports import jobs, rules
from folio.imports.detect import FORMAT_NAMES
from folio.imports.forms import ImportUploadForm, RunImportForm
from folio.imports.items import ImportRefused
from folio.imports.models import ImportRun
from folio.imports.report import Report, comment_title_words, reason_words
from folio.imports.runner import read_file, run_import
from folio.media.processing import megabytes
from folio.media.uploads import display_name
from folio.security import rate_limit
from folio.web import bp
from folio.web.helpers import no_store, signed_in_user

F = TypeVar("F", bound=Callable[..., Any])
# Room for the form's other fields around the file.
FORM_OVERHEAD = 64 * 1024
# A run's status as the list of imports reads it.
RUN_STATES = {
    "planned": _l("dry run"),
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
}


def report_text(message: str) -> str:
    """A report's message (kept in English) in the reader's language."""
    return reason_words(message, _)


def comment_title(title: str) -> str:
    return comment_title_words(title, _)


def _format_names() -> dict[str, str]:
    return {key: _(name) for key, name in FORMAT_NAMES.items()}


def _allow_import_size() -> None:
    request.max_content_length = int(current_app.config["IMPORT_MAX_BYTES"]) + FORM_OVERHEAD


def _import_too_large() -> dict[str, list[str]]:
    limit = megabytes(int(current_app.config["IMPORT_MAX_BYTES"]))
    return {"file": [f"is too large: the import limit is {limit}"]}


def takes_import_upload(view: F) -> F:
    """A larger body for this view than the app's limit; CSRF checked once it is set."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        return view(*args, **kwargs)

    csrf.exempt(wrapper)
    return body_limits(_allow_import_size, _import_too_large)(wrapper)  # type: ignore[return-value]


def _page(form: ImportUploadForm, status: int = 200, error: str | None = None) -> Any:
    user = signed_in_user()
    runs = rules.list_own_runs(current_session(), user)
    body = render_template(
        "imports/import.html",
        form=form,
        runs=runs,
        error=report_text(error) if error else None,
        formats=_format_names(),
        run_states=RUN_STATES,
        limit=megabytes(int(current_app.config["IMPORT_MAX_BYTES"])),
        maps_authors=user.is_admin,
    )
    return body, status


@bp.get("/settings/import")
@login_required
@no_store
def import_page() -> Any:
    return _page(ImportUploadForm())


@bp.post("/settings/import")
@rate_limit("IMPORT")
@login_required
@no_store
@takes_import_upload
def upload_import() -> Any:
    """Read the file and show its dry run: what will be created, skipped, or fail."""
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    user = signed_in_user()
    upload = form.file.data
    data = upload.read(int(current_app.config["IMPORT_MAX_BYTES"]) + 1)
    if len(data) > int(current_app.config["IMPORT_MAX_BYTES"]):
        limit = megabytes(int(current_app.config["IMPORT_MAX_BYTES"]))
        return _page(
            form, 413, _("The file is too large: the import limit is %(limit)s.", limit=limit)
        )
    try:
        archive = read_file(data)
    except ImportRefused as refused:
        return _page(form, 422, refused.message)
    report = run_import(archive, user, map_authors=user.is_admin, dry_run=True)
    stashed = jobs.stash_upload(data)
    try:
        with unit_of_work() as uow:
            run = rules.create_run(
                uow.session,
                user,
                format=archive.format,
                filename=display_name(upload.filename),
                report=report.to_json(),
            )
    except BaseException:
        jobs.discard_upload(stashed)
        raise
    jobs.attach_upload(stashed, run.id)
    return redirect(url_for("web.import_run", run_id=run.id), code=303)


def _own_run(run_id: int) -> ImportRun:
    try:
        return rules.get_own_run(current_session(), signed_in_user(), run_id)
    except DomainError:
        abort(404)


@bp.get("/settings/import/<int:run_id>")
@login_required
@no_store
def import_run(run_id: int) -> Any:
    run = _own_run(run_id)
    return render_template(
        "imports/run.html",
        run=run,
        report=Report.from_json(run.report) if run.report else None,
        form=RunImportForm(),
        formats=_format_names(),
        report_text=report_text,
        comment_title=comment_title,
        status_url=url_for("web.import_status", run_id=run.id),
    )


@bp.post("/settings/import/<int:run_id>/run")
@login_required
def start_import(run_id: int) -> Response:
    form = RunImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with unit_of_work() as uow:
            run = rules.get_own_run(uow.session, signed_in_user(), run_id)
            queued = rules.queue_run(uow.session, run)
    except DomainError:
        abort(404)
    if not queued:
        flash(_("This import is already running or done."), "info")
    return redirect(url_for("web.import_run", run_id=run_id), code=303)


@bp.get("/settings/import/<int:run_id>/status")
@login_required
def import_status(run_id: int) -> Response:
    """The run's progress for the page's script (and anyone polling it)."""
    run = _own_run(run_id)
    response = jsonify(
        id=run.id,
        status=run.status,
        total=run.total,
        done=run.done,
        counts=run.counts,
        finished=run.status in ("done", "failed"),
        url=url_for("web.import_run", run_id=run.id),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
