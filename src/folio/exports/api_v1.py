"""Exports in /api/v1: ask for an archive, watch it, download it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, Schema, fields, validate

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.api.paging import QueryArgs, page_schema, page_window
from folio.core.uow import current_session, unit_of_work
from folio.exports import rules
from folio.exports.models import Export, ExportKind
from folio.exports.runner import archive_response
from folio.security import rate_limit

blp = ApiBlueprint(
    "exports",
    __name__,
    url_prefix="/api/v1",
    description="Your writing (or, for an administrator, the whole site) as one zip: "
    "Markdown with YAML front matter, the images' originals, comments as JSON.",
)


class ExportRequestSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf([kind.value for kind in ExportKind]),
        metadata={
            "description": "`user`: everything you wrote. `site`: the whole site "
            "(administrators only).",
            "example": "user",
        },
    )


def _archive_url(export: Export) -> str | None:
    if not export.is_ready:
        return None
    return url_for("exports.ExportArchive", export_id=export.id, _external=True)


class ExportSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "`user` or `site`."})
    status = fields.String(
        required=True,
        metadata={"description": "`pending`, `running`, `ready` or `failed`."},
    )
    bytes = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The archive's size."}
    )
    error = fields.String(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(required=True, allow_none=True)
    expires_at = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When the archive is deleted."},
    )
    archive_url = fields.Function(
        _archive_url,
        required=True,
        allow_none=True,
        metadata={"type": "string", "nullable": True, "description": "Once `ready`."},
    )


ExportPageSchema = page_schema("ExportPage", ExportSchema)


def _now() -> datetime:
    return datetime.now(UTC)


@blp.route("/exports")
class ExportList(MethodView):
    @auth_required
    @blp.arguments(QueryArgs, location="query", unknown=RAISE)
    @blp.response(200, ExportPageSchema)
    @blp.paginate()
    def get(self, _args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """Your exports, newest first"""
        limit, offset = page_window(pagination_parameters)
        items, total = rules.list_exports(
            current_session(), authenticated_user(), limit=limit, offset=offset
        )
        pagination_parameters.item_count = total
        return items

    @rate_limit("EXPORT")
    @auth_required
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportSchema)
    @documents(403, 409, 413, 415, 422, 429)
    def post(self, args: dict[str, Any]) -> Any:
        """Ask for an export; it is built in the background (poll it, or wait for the
        email with its link). One at a time: 409 while one is being built"""
        user = authenticated_user()
        with unit_of_work() as uow:
            export = rules.request_export(uow.session, user, ExportKind(args["kind"]), _now())
        # Without a broker it was built in place: answer what it is now.
        current_session().refresh(export)
        return export


@blp.route("/exports/<int(min=1, max=2147483647):export_id>")
class ExportItem(MethodView):
    @auth_required
    @blp.response(200, ExportSchema)
    @documents(404)
    def get(self, export_id: int) -> Any:
        """One of your exports"""
        return rules.get_export(current_session(), authenticated_user(), export_id)


@blp.route("/exports/<int(min=1, max=2147483647):export_id>/archive")
class ExportArchive(MethodView):
    @auth_required
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="application/zip",
        description="The zip archive.",
    )
    @documents(404, 409, 410, 503)
    def get(self, export_id: int) -> Response:
        """Download an export's archive (409 until it is ready, 410 once it expired)"""
        export = rules.get_export(current_session(), authenticated_user(), export_id)
        response = archive_response(export)
        # An archive never changes under its key: that is its entity tag (flask-smorest
        # would otherwise derive one from a JSON body this answer does not have).
        blp.set_etag(export.storage_key)
        return response
