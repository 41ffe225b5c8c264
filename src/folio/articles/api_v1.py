"""Articles: list, write, read, change, publish, unpublish, delete, favorite; the feed."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE

from folio.api.common import (
    ApiBlueprint,
    auth_optional,
    auth_required,
    authenticated_user,
    current_user,
    documents,
)
from folio.api.paging import decode_cursor, encode_cursor, page_window
from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles import schedule_api_v1 as scheduling_api
from folio.articles.queries import ArticleFilter, ArticleListing, ArticleView
from folio.articles.rules import ArticleChanges
from folio.articles.schemas import (
    ArticleCreateSchema,
    ArticleListArgs,
    ArticlePageSchema,
    ArticleSchema,
    ArticleUpdateSchema,
    FeedArgs,
)
from folio.core.errors import Unauthorized
from folio.core.uow import current_session, transactional
from folio.models import Article, Status, User
from folio.security import rate_limit

blp = ApiBlueprint(
    "articles",
    __name__,
    url_prefix="/api/v1",
    description=(
        'Write with `POST /articles` (a draft unless `"publish": true`), publish with '
        "`POST /articles/{slug}/publish`. Reads carry an `ETag`: send it back as "
        "`If-None-Match` to get 304 when nothing changed, and as `If-Match` on `PATCH` or "
        "`DELETE` so a change made meanwhile by someone else is not overwritten (412)."
    ),
)


def _list(
    viewer: User | None,
    filters: ArticleFilter,
    args: dict[str, Any],
    pagination: PaginationParameters,
) -> list[ArticleView]:
    limit, offset = page_window(pagination)
    after = decode_cursor(args.get("cursor"))
    result = article_queries.list_article_views(
        current_session(), viewer, filters, limit=limit, offset=offset, after=after
    )
    pagination.item_count = result.total
    pagination.next_cursor = encode_cursor(result.next_cursor)
    return result.items


def _answer(listing: ArticleListing, status: int = 200, **headers: str) -> Any:
    # ArticleSchema dumps the read model; the ETag names its version (api/common.py).
    return ArticleView.of(listing), status, headers


def _listing(viewer: User, article: Article) -> ArticleListing:
    return article_queries.listing_of(current_session(), viewer, article)


@blp.route("/articles")
class Articles(MethodView):
    @auth_optional
    @blp.arguments(ArticleListArgs, location="query", unknown=RAISE)
    @blp.response(200, ArticlePageSchema)
    @blp.paginate()
    @documents(304, parameters=["IfNoneMatch"])
    def get(self, args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """List articles, newest first

        Filters combine. Pages: `page` and `page_size`, or `cursor` for deep pages.
        """
        viewer = current_user()
        status = args["status"]
        if status != "published" and viewer is None:
            raise Unauthorized({"token": [f"is needed to list status={status}"]})
        filters = ArticleFilter(
            tag=args.get("tag"),
            author=args.get("author"),
            favorited_by=args.get("favorited"),
            query=args.get("q"),
            mine=status != "published",
            status=Status.DRAFT if status == "draft" else None,
        )
        return _list(viewer, filters, args, pagination_parameters)

    @rate_limit("WRITE")
    @auth_required
    @blp.arguments(
        ArticleCreateSchema,
        example={
            "title": "Hello, Folio",
            "description": "My first article",
            "body": "Some *Markdown*.",
            "tags": ["flask"],
            "publish": False,
        },
    )
    @blp.response(201, ArticleSchema)
    @documents(400, 413, 415, 429, headers=["ETag"])
    @transactional
    def post(self, args: dict[str, Any]) -> Any:
        """Write an article (a draft unless `publish` is true)"""
        user = authenticated_user()
        article = articles.create_article(
            current_session(),
            user,
            title=args["title"],
            description=args["description"],
            body=args["body"],
            tags=args.get("tags") or [],
            publish=args["publish"],
            cover_image=args.get("cover_image"),
            send_email=args["send_email"],
            language=args.get("language"),
        )
        if args.get("publish_at") is not None:
            scheduling_api.schedule_new(current_session(), user, article, args)
        answer = _answer(
            ArticleListing(article),
            201,
            Location=url_for("articles.ArticleItem", slug=article.slug),
        )
        return answer


@blp.route("/articles/<string:slug>")
class ArticleItem(MethodView):
    @auth_optional
    @blp.response(200, ArticleSchema)
    @documents(304, 404, parameters=["IfNoneMatch"], headers=["ETag"])
    def get(self, slug: str) -> Any:
        """Read an article (drafts: their author only)"""
        view = article_queries.get_article_view(current_session(), current_user(), slug)
        return view, 200, {}

    @rate_limit("WRITE")
    @auth_required
    @blp.arguments(ArticleUpdateSchema, example={"title": "A better title"})
    @blp.response(200, ArticleSchema)
    @documents(400, 403, 404, 412, 413, 415, 429, parameters=["IfMatch"], headers=["ETag"])
    @transactional
    def patch(self, args: dict[str, Any], slug: str) -> Any:
        """Change an article (partial update; its author only)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        version = article.version
        schedule = scheduling_api.take_publish_at(args)
        changes: ArticleChanges = args  # type: ignore[assignment]
        if changes:
            articles.update_article(current_session(), user, article, changes)
        scheduling_api.apply_schedule(current_session(), user, article, schedule)
        # A stale copy: 412, and the error handler rolls the change back.
        blp.check_etag(version)
        answer = _answer(_listing(user, article))
        return answer

    @auth_required
    @blp.response(204)
    @documents(403, 404, 412, parameters=["IfMatch"])
    @transactional
    def delete(self, slug: str) -> None:
        """Delete an article with its comments (its author or an admin)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        version = article.version
        articles.delete_article(current_session(), user, article)
        blp.check_etag(version)


@blp.route("/articles/<string:slug>/publish")
class Publish(MethodView):
    @auth_required
    @blp.response(200, ArticleSchema)
    @documents(403, 404, 422, headers=["ETag"])
    @transactional
    def post(self, slug: str) -> Any:
        """Publish a draft (its author; needs a description and a body)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        articles.publish_article(current_session(), user, article)
        answer = _answer(_listing(user, article))
        return answer


@blp.route("/articles/<string:slug>/unpublish")
class Unpublish(MethodView):
    @auth_required
    @blp.response(200, ArticleSchema)
    @documents(403, 404, headers=["ETag"])
    @transactional
    def post(self, slug: str) -> Any:
        """Return an article to drafts (its author or an admin; the slug is kept)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        articles.unpublish_article(current_session(), user, article)
        answer = _answer(_listing(user, article))
        return answer


@blp.route("/articles/<string:slug>/favorite")
class Favorite(MethodView):
    @auth_required
    @blp.response(200, ArticleSchema)
    @documents(404, headers=["ETag"])
    @transactional
    def post(self, slug: str) -> Any:
        """Favorite an article (twice changes nothing)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        articles.favorite_article(current_session(), user, article)
        answer = _answer(_listing(user, article))
        return answer

    @auth_required
    @blp.response(200, ArticleSchema)
    @documents(404, headers=["ETag"])
    @transactional
    def delete(self, slug: str) -> Any:
        """Remove a favorite"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        articles.unfavorite_article(current_session(), user, article)
        answer = _answer(_listing(user, article))
        return answer


@blp.route("/feed")
class Feed(MethodView):
    @auth_required
    @blp.arguments(FeedArgs, location="query", unknown=RAISE)
    @blp.response(200, ArticlePageSchema)
    @blp.paginate()
    @documents(304, parameters=["IfNoneMatch"])
    def get(self, args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """Articles by the authors you follow, newest first"""
        viewer = authenticated_user()
        return _list(viewer, ArticleFilter(feed=True), args, pagination_parameters)
