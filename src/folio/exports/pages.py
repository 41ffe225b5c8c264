"""Export pages: a writer's /settings/export, the administrator's /admin/export, and the
signed link the email carries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.exports import rules
from folio.exports.models import ExportKind
from folio.exports.runner import BUILD_FAILED, archive_response, export_by_link
from folio.security import rate_limit
from folio.web import bp
from folio.web.helpers import admin_required, no_store, signed_in_user

RECENT = 10
_BUILD_FAILED = re.compile(r"^The archive could not be built \((\w+)\)\.$")


def export_error(message: str) -> str:
    """A failed export's message (stored in English: the API gives it) in the reader's
    language."""
    found = _BUILD_FAILED.match(message)
    if found:
        return _(BUILD_FAILED, error=found.group(1))
    return _(message)


def _page(template: str, kind: ExportKind) -> str:
    exports, _total = rules.list_exports(
        current_session(), signed_in_user(), limit=RECENT, kind=kind
    )
    latest = exports[0] if exports else None
    return render_template(
        template,
        exports=exports,
        latest=latest,
        busy=latest is not None and latest.in_progress,
        keep_days=int(current_app.config["EXPORT_LINK_SECONDS"]) // 86400,
        export_error=export_error,
    )


def _request(kind: ExportKind, back: str) -> Response:
    try:
        with unit_of_work() as uow:
            rules.request_export(uow.session, signed_in_user(), kind, datetime.now(UTC))
    except DomainError as error:
        # "The export is already being prepared: wait until it is ready."
        problem = error.errors.get("export", [error.message])[0]
        flash(_("The export %(problem)s.", problem=_(problem)), "error")
        return redirect(url_for(back))
    flash(_("Export started. You will find it here, and we will email you a link."), "success")
    return redirect(url_for(back))


@bp.get("/settings/export")
@login_required
@no_store
def export_settings() -> str:
    return _page("exports/settings.html", ExportKind.USER)


@bp.post("/settings/export")
@rate_limit("EXPORT")
@login_required
def request_user_export() -> Response:
    return _request(ExportKind.USER, "web.export_settings")


@bp.get("/admin/export")
@admin_required
@no_store
def admin_export() -> str:
    return _page("exports/admin.html", ExportKind.SITE)


@bp.post("/admin/export")
@rate_limit("EXPORT")
@admin_required
def request_site_export() -> Response:
    return _request(ExportKind.SITE, "web.admin_export")


@bp.get("/settings/export/<int(min=1, max=2147483647):export_id>/archive")
@login_required
def export_archive(export_id: int) -> Response:
    """Its owner's download (any administrator's, for a site export)."""
    return archive_response(rules.get_export(current_session(), signed_in_user(), export_id))


@bp.get("/exports/link/<token>")
@rate_limit("EXPORT_LINK")
def export_link(token: str) -> Response:
    """The emailed link: works signed out, until the archive expires (then 410)."""
    return archive_response(export_by_link(current_session(), token))
