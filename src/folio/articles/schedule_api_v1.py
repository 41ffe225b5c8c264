"""/api/v1 for scheduled publishing and shared drafts.

``publish_at`` on ``POST /articles`` and ``PATCH /articles/{slug}`` goes through the
helpers below; ``DELETE /articles/{slug}/schedule`` cancels, ``GET /me/scheduled`` lists
what is coming, and ``/articles/{slug}/draft-links`` makes and revokes share links.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from flask.views import MethodView
from marshmallow import Schema, fields

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.articles import draft_links, scheduling
from folio.articles import queries as article_queries
from folio.articles.permissions import can_edit
from folio.articles.queries import ArticleView
from folio.articles.schemas import ArticleSchema
from folio.core.errors import Forbidden, ValidationFailed
from folio.core.uow import current_session, transactional
from folio.models import Article, User

blp = ApiBlueprint(
    "scheduling",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Schedule a draft with `publish_at` on `POST /articles` or `PATCH /articles/{slug}` "
        "(ISO 8601 with an offset; answered in UTC); it is published once at that moment. "
        "Share a draft with people without an account through a secret, revocable link."
    ),
)

_UNSET = object()


def _horizon() -> timedelta:
    return timedelta(days=int(current_app.config["SCHEDULE_HORIZON_DAYS"]))


def schedule_new(session: Any, user: User, article: Article, args: dict[str, Any]) -> None:
    """``publish_at`` on a new article: schedule the draft just written.

    :raises ValidationFailed: with ``publish: true``, or a bad moment.
    """
    if args.get("publish"):
        raise ValidationFailed(
            {"publish_at": ["can't be combined with publish: true (that publishes now)"]}
        )
    moment = scheduling.parse_iso_moment(args["publish_at"])
    scheduling.schedule_article(session, user, article, moment, horizon=_horizon())


def take_publish_at(args: dict[str, Any]) -> object:
    """Remove ``publish_at`` from a PATCH's changes: what :func:`apply_schedule` takes."""
    return args.pop("publish_at", _UNSET)


def apply_schedule(session: Any, user: User, article: Article, value: object) -> None:
    """A PATCH's ``publish_at``: a moment schedules (or moves), null cancels."""
    if value is _UNSET:
        return
    if value is None:
        scheduling.cancel_schedule(session, user, article)
        return
    moment = scheduling.parse_iso_moment(value)
    scheduling.schedule_article(session, user, article, moment, horizon=_horizon())


@blp.route("/articles/<string:slug>/schedule")
class Schedule(MethodView):
    @auth_required
    @blp.response(200, ArticleSchema)
    @documents(403, 404, 409, 422, headers=["ETag"])
    @transactional
    def delete(self, slug: str) -> Any:
        """Cancel a draft's scheduled publication (it stays a draft)

        409 once the moment has passed; 422 when it is not scheduled.
        """
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        scheduling.cancel_schedule(current_session(), user, article)
        listing = article_queries.listing_of(current_session(), user, article)
        return ArticleView.of(listing)


class ScheduledSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    publish_at = fields.DateTime(required=True, metadata={"description": "In UTC."})


class ScheduledListSchema(Schema):
    items = fields.List(fields.Nested(ScheduledSchema), required=True)


@blp.route("/me/scheduled")
class MyScheduled(MethodView):
    @auth_required
    @blp.response(200, ScheduledListSchema)
    @documents()
    def get(self) -> Any:
        """Your scheduled drafts, soonest first"""
        user = authenticated_user()
        return {"items": scheduling.scheduled_for(current_session(), user)}


class DraftLinkSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class NewDraftLinkSchema(DraftLinkSchema):
    url = fields.String(
        required=True,
        metadata={"description": "The secret link; shown this once only (only a hash is kept)."},
    )


class DraftLinkListSchema(Schema):
    items = fields.List(fields.Nested(DraftLinkSchema), required=True)


@blp.route("/articles/<string:slug>/draft-links")
class DraftLinks(MethodView):
    @auth_required
    @blp.response(200, DraftLinkListSchema)
    @documents(403, 404)
    def get(self, slug: str) -> Any:
        """The article's working share links (its author only)"""
        user = authenticated_user()
        article = _own_article(user, slug)
        return {"items": draft_links.active_links(current_session(), article)}

    @auth_required
    @blp.response(201, NewDraftLinkSchema)
    @documents(403, 404)
    @transactional
    def post(self, slug: str) -> Any:
        """Create a secret link that lets anyone read the draft without an account"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        link, token = draft_links.create_draft_link(current_session(), user, article)
        url = url_for("web.shared_draft", token=token, _external=True)
        return {"id": link.id, "created_at": link.created_at, "url": url}


@blp.route("/articles/<string:slug>/draft-links/<int(min=1, max=2147483647):link_id>")
class DraftLinkItem(MethodView):
    @auth_required
    @blp.response(204)
    @documents(403, 404)
    @transactional
    def delete(self, slug: str, link_id: int) -> None:
        """Revoke a share link: it stops working at once (twice changes nothing)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        draft_links.revoke_draft_link(current_session(), user, article, link_id)


def _own_article(user: User, slug: str) -> Article:
    article = article_queries.get_article(current_session(), user, slug)
    if not can_edit(user, article):
        raise Forbidden("article")
    return article
