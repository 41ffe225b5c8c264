"""Your uploaded images, and your avatar, in /api/v1."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, Schema, fields
from werkzeug.datastructures import FileStorage

from folio.accounts.api_v1 import MeSchema
from folio.api.common import (
    ApiBlueprint,
    auth_required,
    authenticated_user,
    documents,
)
from folio.api.paging import QueryArgs, page_schema, page_window
from folio.core.errors import ValidationFailed
from folio.core.uow import current_session, transactional, unit_of_work
from folio.guards import body_limits
from folio.media import rules as media_rules
from folio.media.models import MediaKind
from folio.media.rules import MediaView
from folio.media.uploads import (
    allow_upload_size,
    public_url,
    receive,
    setup,
    upload_too_large,
)
from folio.media.variants import FORMATS_BY_EXTENSION, MIME_TYPES
from folio.security import rate_limit

blp = ApiBlueprint(
    "media",
    __name__,
    url_prefix="/api/v1",
    description="Images you upload: for article bodies (`![alt](url)`), covers and your avatar.",
)


class UploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={
            "type": "string",
            "format": "binary",
            "description": "A JPEG, PNG, WebP or GIF. Metadata (GPS, camera) is removed; big "
            "pictures are scaled down to `MEDIA_MAX_EDGE` pixels on their longest side.",
        },
    )


class VariantSchema(Schema):
    url = fields.Function(lambda v: public_url(v[0]), required=True, metadata={"type": "string"})
    width = fields.Function(lambda v: v[1], required=True, metadata={"type": "integer"})
    height = fields.Function(lambda v: v[2], required=True, metadata={"type": "integer"})
    type = fields.Function(
        lambda v: MIME_TYPES[FORMATS_BY_EXTENSION[v[0].rsplit(".", 1)[-1]]],
        required=True,
        metadata={"type": "string", "example": "image/webp"},
    )


class MediaSchema(Schema):
    """An upload. Dumps a ``media.rules.MediaView``."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "`image` or `avatar`."})
    url = fields.Function(
        lambda m: public_url(m.key),
        required=True,
        metadata={"type": "string", "description": "The original: put it in Markdown."},
    )
    type = fields.Function(
        lambda m: MIME_TYPES[m.format], required=True, metadata={"type": "string"}
    )
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    bytes = fields.Integer(required=True, metadata={"description": "Of the stored original."})
    filename = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    ready = fields.Boolean(
        required=True, metadata={"description": "Whether the smaller sizes are made yet."}
    )
    variants = fields.List(fields.Nested(VariantSchema), required=True)
    used_by = fields.Integer(required=True, metadata={"description": "Articles that show it."})


MediaPageSchema = page_schema("MediaPage", MediaSchema)


class DeleteArgs(Schema):
    force = fields.Boolean(
        load_default=False,
        metadata={"description": "Delete even when articles show it (they lose the picture)."},
    )


def _refuse_other_fields() -> None:
    """An upload has one field (the spec says no others): refuse the rest, as a JSON body's
    unknown keys are, rather than ignore what the client meant to send."""
    unknown = sorted(set(request.form) | (set(request.files) - {"file"}))
    if unknown:
        raise ValidationFailed({name: ["Unknown field."] for name in unknown})


def _receive(args: dict[str, Any], kind: MediaKind) -> Any:
    _refuse_other_fields()
    file: FileStorage = args["file"]
    data = file.read(setup().limits.max_bytes + 1)
    return receive(authenticated_user(), data, file.filename, kind)


@blp.route("/media")
class MediaList(MethodView):
    @auth_required
    @blp.arguments(QueryArgs, location="query", unknown=RAISE)
    @blp.response(200, MediaPageSchema)
    @blp.paginate()
    def get(self, _args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """Your uploads, newest first"""
        limit, offset = page_window(pagination_parameters)
        session = current_session()
        uploads, total = media_rules.list_own_media(
            session, authenticated_user(), limit=limit, offset=offset
        )
        used = media_rules.articles_using(session, [m.id for m in uploads])
        pagination_parameters.item_count = total
        return [MediaView.of(m, len(used[m.id])) for m in uploads]

    @body_limits(allow_upload_size, upload_too_large)
    @rate_limit("UPLOAD")
    @auth_required
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, MediaSchema)
    @documents(400, 413, 415, 422, 429, 503)
    def post(self, args: dict[str, Any]) -> Any:
        """Upload an image (multipart/form-data, field `file`); the same file again
        answers the upload you already have"""
        return MediaView.of(_receive(args, MediaKind.IMAGE))


@blp.route("/media/<int:media_id>")
class MediaItem(MethodView):
    @auth_required
    @blp.response(200, MediaSchema)
    @documents(404)
    def get(self, media_id: int) -> Any:
        """One of your uploads"""
        session = current_session()
        media = media_rules.get_own_media(session, authenticated_user(), media_id)
        return MediaView.of(media, len(media_rules.articles_using(session, [media.id])[media.id]))

    @auth_required
    @blp.arguments(DeleteArgs, location="query", unknown=RAISE)
    @blp.response(204)
    @documents(404, 422)
    @transactional
    def delete(self, args: dict[str, Any], media_id: int) -> None:
        """Delete an upload (422 while articles show it, unless `force=true`)"""
        user = authenticated_user()
        session = current_session()
        media = media_rules.get_own_media(session, user, media_id)
        media_rules.delete_media(session, user, media, even_if_used=args["force"])


@blp.route("/me/avatar")
class MyAvatar(MethodView):
    @body_limits(allow_upload_size, upload_too_large)
    @rate_limit("UPLOAD")
    @auth_required
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, MeSchema)
    @documents(400, 413, 415, 422, 429, 503)
    def put(self, args: dict[str, Any]) -> Any:
        """Upload your avatar (cropped to a square; multipart/form-data, field `file`)"""
        avatar = _receive(args, MediaKind.AVATAR)
        user = authenticated_user()
        with unit_of_work() as uow:
            media_rules.set_avatar(uow.session, user, avatar)
        return user

    @auth_required
    @blp.response(200, MeSchema)
    @transactional
    def delete(self) -> Any:
        """Remove your avatar (your initials show again)"""
        user = authenticated_user()
        media_rules.set_avatar(current_session(), user, None)
        return user
