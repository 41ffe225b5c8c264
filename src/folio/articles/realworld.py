"""Articles, the feed, favorites, comments and tags."""

from __future__ import annotations

import json

from flask import Response, jsonify, request

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.queries import ArticleFilter, ArticleListing
from folio.articles.rules import ArticleChanges
from folio.caching import stored_anonymous_body
from folio.comments import rules as comments
from folio.core.errors import NotFound
from folio.core.uow import current_session, transactional
from folio.models import Article, User
from folio.realworld import shapes
from folio.realworld.blueprint import (
    actor,
    body_object,
    bp,
    page_args,
    tag_list,
    text_arg,
    text_fields,
    viewer,
)
from folio.security import rate_limit

# GET /api/tags: the most used tags of published articles, as front ends show them.
TAGS_SHOWN = 100


def _listing(user: User, article: Article, *, favorited: bool | None = None) -> ArticleListing:
    return article_queries.listing_of(current_session(), user, article, favorited=favorited)


def _article_list(user: User | None, filters: ArticleFilter) -> Response:
    limit, offset = page_args()
    page = article_queries.list_article_views(
        current_session(), user, filters, limit=limit, offset=offset
    )
    return jsonify(
        {
            "articles": [shapes.article_summary(item) for item in page.items],
            "articlesCount": page.total,
        }
    )


@bp.get("/articles")
def list_articles() -> Response:
    filters = ArticleFilter(
        tag=text_arg("tag"), author=text_arg("author"), favorited_by=text_arg("favorited")
    )
    user = viewer()
    if user is not None:
        page_args()  # a bad limit or offset is refused as it is without the cache
        anonymous = stored_anonymous_body(request.environ)
        if anonymous is not None:
            return _with_own_flags(user, anonymous)
    return _article_list(user, filters)


def _with_own_flags(user: User, anonymous: bytes) -> Response:
    """The list an anonymous reader gets (from the public cache), with this viewer's own
    favorited and following flags set: one statement instead of the list's."""
    document = json.loads(anonymous)
    items = document["articles"]
    favorited, followed = article_queries.viewer_flags(
        current_session(),
        user,
        {item["slug"] for item in items},
        {item["author"]["username"] for item in items},
    )
    for item in items:
        item["favorited"] = item["slug"] in favorited
        item["author"]["following"] = item["author"]["username"] in followed
    return jsonify(document)


@bp.get("/articles/feed")
def feed() -> Response:
    return _article_list(actor(), ArticleFilter(feed=True))


@bp.post("/articles")
@rate_limit("WRITE")
@transactional
def create_article() -> tuple[Response, int]:
    user = actor()
    data = body_object("article")
    fields = text_fields(data, ("title", "description", "body"))
    tags = tag_list(data) if "tagList" in data else None
    # RealWorld has no drafts: what is written through it is published at once.
    article = articles.create_article(
        current_session(),
        user,
        title=fields.get("title"),
        description=fields.get("description"),
        body=fields.get("body"),
        tags=tags or [],
        publish=True,
    )
    payload = {"article": shapes.article(ArticleListing(article))}
    return jsonify(payload), 201


@bp.get("/articles/<slug>")
def get_article(slug: str) -> Response:
    view = article_queries.get_article_view(current_session(), viewer(), slug)
    return jsonify({"article": shapes.article(view)})


@bp.put("/articles/<slug>")
@rate_limit("WRITE")
@transactional
def update_article(slug: str) -> Response:
    user = actor()
    article = article_queries.get_article(current_session(), user, slug)
    data = body_object("article")
    fields = text_fields(data, ("title", "description", "body"))
    changes: ArticleChanges = {}
    if "title" in fields:
        changes["title"] = fields["title"]
    if "description" in fields:
        changes["description"] = fields["description"]
    if "body" in fields:
        changes["body"] = fields["body"]
    # Absent: tags unchanged; []: all removed; null: refused by the service.
    if "tagList" in data:
        changes["tags"] = tag_list(data)
    articles.update_article(current_session(), user, article, changes)
    payload = {"article": shapes.article(_listing(user, article))}
    return jsonify(payload)


@bp.delete("/articles/<slug>")
@transactional
def delete_article(slug: str) -> Response:
    user = actor()
    article = article_queries.get_article(current_session(), user, slug)
    articles.delete_article(current_session(), user, article)
    return Response(status=204)


# --- favorites ----------------------------------------------------------------------------


@bp.post("/articles/<slug>/favorite")
@transactional
def favorite(slug: str) -> Response:
    user = actor()
    article = articles.favorite_article(
        current_session(), user, article_queries.get_article(current_session(), user, slug)
    )
    payload = {"article": shapes.article(_listing(user, article, favorited=True))}
    return jsonify(payload)


@bp.delete("/articles/<slug>/favorite")
@transactional
def unfavorite(slug: str) -> Response:
    user = actor()
    article = articles.unfavorite_article(
        current_session(), user, article_queries.get_article(current_session(), user, slug)
    )
    payload = {"article": shapes.article(_listing(user, article, favorited=False))}
    return jsonify(payload)


# --- comments -----------------------------------------------------------------------------


@bp.get("/articles/<slug>/comments")
def list_comments(slug: str) -> Response:
    user = viewer()
    article = article_queries.get_article(current_session(), user, slug)
    found = comments.list_comments(current_session(), user, article)
    return jsonify({"comments": [shapes.comment(c.comment, c.following) for c in found]})


@bp.post("/articles/<slug>/comments")
@rate_limit("COMMENT")
@transactional
def add_comment(slug: str) -> tuple[Response, int]:
    user = actor()
    article = article_queries.get_article(current_session(), user, slug, related=False)
    fields = text_fields(body_object("comment"), ("body",))
    comment = comments.add_comment(current_session(), user, article, fields.get("body"))
    payload = {"comment": shapes.comment(comment, following=False)}
    return jsonify(payload), 201


@bp.delete("/articles/<slug>/comments/<comment_id>")
@transactional
def delete_comment(slug: str, comment_id: str) -> Response:
    user = actor()
    article = article_queries.get_article(current_session(), user, slug)
    # Not an <int:> route: "/comments/abc" answers "comment not found", not a bare 404.
    if not (comment_id.isascii() and comment_id.isdigit()) or len(comment_id) > 18:
        raise NotFound("comment")
    comments.delete_comment(current_session(), user, article, int(comment_id))
    return Response(status=204)


# --- tags ---------------------------------------------------------------------------------


@bp.get("/tags")
def tags() -> Response:
    return jsonify({"tags": article_queries.popular_tags(current_session(), limit=TAGS_SHOWN)})
