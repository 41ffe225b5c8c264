"""/api/v1 pending edits: autosave an article, read, publish or discard what is pending.

The same rules as the editor's (folio.articles.autosave): a draft's autosave changes the
draft; a published article's keeps a pending edit readers do not see until it is
published. A stale ``version`` answers 409 with both texts under ``conflict``.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.articles import autosave
from folio.articles import queries as article_queries
from folio.articles.permissions import can_edit
from folio.articles.queries import ArticleView
from folio.articles.rules import (
    BODY_MAX,
    DESCRIPTION_MAX,
    TAG_MAX,
    TAGS_PER_ARTICLE,
    TITLE_MAX,
    ArticleChanges,
)
from folio.articles.schemas import ArticleSchema
from folio.core.errors import NotFound
from folio.core.uow import current_session, transactional
from folio.models import Article, User
from folio.security import rate_limit

blp = ApiBlueprint(
    "pending_edits",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Autosave with `PUT /articles/{slug}/pending`, sending the `version` (and "
        "`pending_version`) you started from. A draft is changed in place; a published "
        "article keeps the changes pending, unseen by readers, until "
        "`POST /articles/{slug}/pending/publish`. A stale version answers 409 with both "
        "texts (`conflict.mine`, `conflict.theirs`): nothing is overwritten."
    ),
)

_version = {"description": "The article's `version` your text started from."}


class PendingInSchema(Schema):
    title = fields.String(load_default="", validate=validate.Length(max=TITLE_MAX))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    body = fields.String(load_default="", validate=validate.Length(max=BODY_MAX))
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=TAG_MAX)),
        load_default=list,
        validate=validate.Length(max=TAGS_PER_ARTICLE),
    )
    cover_image = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    version = fields.Integer(required=True, strict=True, metadata=_version)
    pending_version = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={"description": "The pending edit's `pending_version` you started from."},
    )
    editing_session = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=autosave.EDITING_SESSION_MAX),
        metadata={"description": "Any id of your editing session: its autosaves coalesce."},
    )


class PublishPendingSchema(Schema):
    pending_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class PendingSchema(Schema):
    """The text the article's editor holds: its pending edit, or the article itself."""

    slug = fields.String(required=True, metadata={"description": "A draft's follows its title."})
    pending = fields.Boolean(
        required=True, metadata={"description": "Whether readers see something else."}
    )
    title = fields.String(required=True)
    description = fields.String(required=True)
    body = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    cover_image = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True, metadata=_version)
    pending_version = fields.Integer(required=True, allow_none=True)
    by = fields.String(required=True, allow_none=True)
    at = fields.DateTime(required=True, allow_none=True)


def _article(slug: str) -> tuple[User, Article]:
    user = authenticated_user()
    article = article_queries.get_article(current_session(), user, slug)
    if not can_edit(user, article):
        raise NotFound("article")
    return user, article


def _pending_answer(article: Article) -> dict[str, Any]:
    text = autosave.current_text(current_session(), article)
    return {**text.__dict__, "slug": article.slug, "pending": text.pending_version is not None}


@blp.route("/articles/<string:slug>/pending")
class Pending(MethodView):
    @auth_required
    @blp.response(200, PendingSchema)
    @documents(404)
    def get(self, slug: str) -> Any:
        """The text to edit: the pending edit, or the article when none is pending"""
        return _pending_answer(_article(slug)[1])

    @rate_limit("AUTOSAVE")
    @auth_required
    @blp.arguments(PendingInSchema, example={"title": "Hello", "body": "More", "version": 3})
    @blp.response(200, PendingSchema)
    @documents(403, 404, 409, 413, 415, 429)
    @transactional
    def put(self, args: dict[str, Any], slug: str) -> Any:
        """Autosave (a draft changes; a published article keeps a pending edit)"""
        user, article = _article(slug)
        changes: ArticleChanges = {
            key: args[key] for key in ("title", "description", "body", "tags", "cover_image")
        }  # type: ignore[assignment]
        autosave.autosave(
            current_session(),
            user,
            article,
            changes,
            version=args["version"],
            pending_version=args["pending_version"],
            editing_session=args["editing_session"],
        )
        # A draft's slug follows its title: the answer names the new one.
        return _pending_answer(article)

    @auth_required
    @blp.response(204)
    @documents(404)
    @transactional
    def delete(self, slug: str) -> None:
        """Discard the pending edit (readers keep seeing the published article)"""
        user, article = _article(slug)
        autosave.discard_pending(current_session(), user, article)


@blp.route("/articles/<string:slug>/pending/publish")
class PublishPending(MethodView):
    @rate_limit("WRITE")
    @auth_required
    @blp.arguments(PublishPendingSchema, example={"pending_version": 4})
    @blp.response(200, ArticleSchema)
    @documents(404, 409, 413, 415, 422, 429, headers=["ETag"])
    @transactional
    def post(self, args: dict[str, Any], slug: str) -> Any:
        """Publish the pending edit: readers see it from now on"""
        user, article = _article(slug)
        autosave.publish_pending(
            current_session(), user, article, pending_version=args["pending_version"]
        )
        listing = article_queries.listing_of(current_session(), user, article)
        return ArticleView.of(listing)
