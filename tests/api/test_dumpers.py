"""The article lists of /api/v1 dump their items, and its article answers the article,
with hand-written functions (``dump_summary``, ``dump_profile``, ``dump_article``)
instead of walking marshmallow's fields. The schemas
stay the spec and the reference: these tests hold the two to the same output, key order
and JSON types included, on varied articles, constructed and stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from marshmallow import Schema

from folio.accounts.api_v1 import ProfileSchema, dump_profile
from folio.api.paging import page_schema
from folio.articles.queries import (
    ArticleFilter,
    ArticleView,
    CoverView,
    get_article_view,
    list_article_views,
)
from folio.articles.schemas import (
    ArticlePageSchema,
    ArticleSchema,
    ArticleSummarySchema,
    dump_article,
    dump_summary,
)
from folio.extensions import db
from folio.media.models import Media
from folio.models import Article, Favorite, Follow, Status, User
from folio.social.rules import ProfileView
from tests.api.conftest import Account

_WHEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
_AUTHOR = ProfileView("ada", None, None, None, False)
_PLAIN = ArticleView(
    slug="plain",
    title="Plain",
    description="",
    tags=(),
    status="published",
    created_at=_WHEN,
    updated_at=_WHEN,
    published_at=_WHEN,
    favorited=False,
    favorites_count=0,
    version=1,
    author=_AUTHOR,
)
VIEWS: dict[str, ArticleView] = {
    "plain": _PLAIN,
    "tags, cover, counts": replace(
        _PLAIN,
        tags=("flask", "python", "ünïcode"),
        cover=CoverView("images/abc/original.jpg", 1600, 900),
        favorites_count=12,
        version=7,
        word_count=575,
    ),
    "signed-in flags": replace(
        _PLAIN,
        favorited=True,
        author=ProfileView("bob", "Bob B.", "Writes.", "https://example.com/b.png", True),
    ),
    "draft, scheduled": replace(
        _PLAIN,
        status="draft",
        published_at=None,
        publish_at=datetime(2027, 1, 31, 8, 0, tzinfo=UTC),
        updated_at=datetime(2026, 3, 2, tzinfo=UTC),
    ),
    "unicode and escapes": replace(
        _PLAIN,
        slug="gruesse-日本語",
        title='Grüße — 日本語 🎉 "quoted" \\ back </script>',
        description="Line\u2028break\ttab\x00nul",
        author=ProfileView("zoe", "Zoë Ωmega", "bio ✓", None, False, "avatars/f00/original.png"),
    ),
    "long read, language": replace(_PLAIN, word_count=100_000, language="pt-BR"),
}


def _as_sent(data: Any) -> str:
    # Not sorted: the order of keys and the JSON type of every value must agree too.
    return json.dumps(data)


@pytest.mark.parametrize("name", list(VIEWS))
def test_dump_summary_is_the_schemas_dump(app: Flask, name: str) -> None:
    view = VIEWS[name]
    with app.app_context():
        assert _as_sent(dump_summary(view)) == _as_sent(ArticleSummarySchema().dump(view))


@pytest.mark.parametrize("name", list(VIEWS))
def test_dump_article_is_the_schemas_dump(app: Flask, name: str) -> None:
    """A single article (``ArticleSchema``, with its body) dumps as marshmallow's walk of
    its fields would, and ``ArticleSchema().dump`` takes the hand-written way."""
    view = replace(
        VIEWS[name],
        body='# Ünï "body" \\ </script>\u2028',
        body_html="<h1>Ünï</h1>\n",
        send_email=name != "plain",
    )
    with app.app_context():
        reference = Schema.dump(ArticleSchema(), view)
        assert _as_sent(dump_article(view)) == _as_sent(reference)
        assert _as_sent(ArticleSchema().dump(view)) == _as_sent(reference)


@pytest.mark.parametrize("name", list(VIEWS))
def test_dump_profile_is_the_schemas_dump(app: Flask, name: str) -> None:
    author = VIEWS[name].author
    with app.app_context():
        assert _as_sent(dump_profile(author)) == _as_sent(ProfileSchema().dump(author))


def test_the_page_schema_dumps_items_as_the_summary_schema_does(app: Flask) -> None:
    reference = page_schema("ReferenceArticlePage", ArticleSummarySchema, cursor=True)()
    page = {
        "items": list(VIEWS.values()),
        "total": 6,
        "page": 1,
        "pages": 1,
        "page_size": 20,
        "next_cursor": None,
    }
    with app.app_context():
        assert _as_sent(ArticlePageSchema().dump(page)) == _as_sent(reference.dump(page))


def test_stored_articles_list_as_the_schema_dumps_them(
    app: Flask,
    in_app: Callable[[Callable[[], Any]], Any],
    make_user: Callable[..., Account],
    make_article: Callable[..., str],
) -> None:
    """Read models as the list statement builds them (covers, avatars, tag names, flags,
    drafts) dump alike, for their author and for a signed-in reader."""
    writer = make_user(username="dumper", display_name="Dümper", bio="Ωrites")
    reader = make_user(username="reader")
    make_article(writer, title="Grüße 🎉", tags=["zeta", "alpha", "ünï"])
    make_article(writer, draft=True, description="")
    covered = make_article(writer, tags=["alpha"])
    make_article(writer, language="de")

    def decorate() -> None:
        author = db.session.get(User, writer.id)
        assert author is not None
        author.avatar_key = "avatars/abc/original.png"
        media = Media(owner_id=writer.id, kind="image", content_hash="c0ffee", format="webp")
        media.width, media.height, media.bytes, media.filename = 800, 600, 1000, "c.webp"
        db.session.add(media)
        db.session.flush()
        article = db.session.scalar(db.select(Article).where(Article.slug == covered))
        assert article is not None
        article.cover_id = media.id
        db.session.add(Favorite(user_id=reader.id, article_id=article.id))
        db.session.add(Follow(follower_id=reader.id, followee_id=writer.id))

    in_app(decorate)
    with app.app_context():
        session = db.session()
        writer_user, reader_user = session.get(User, writer.id), session.get(User, reader.id)
        views = [
            *list_article_views(session, writer_user, ArticleFilter(mine=True)).items,
            *list_article_views(session, reader_user, ArticleFilter()).items,
            *list_article_views(session, None, ArticleFilter(status=Status.PUBLISHED)).items,
        ]
        assert len(views) == 10
        assert any(v.cover for v in views)
        assert any(v.author.following for v in views)
        assert any(v.favorited for v in views)
        assert any(v.status == "draft" for v in views)
        for view in views:
            assert _as_sent(dump_summary(view)) == _as_sent(ArticleSummarySchema().dump(view))
            single = get_article_view(session, writer_user, view.slug)
            reference = Schema.dump(ArticleSchema(), single)
            assert _as_sent(dump_article(single)) == _as_sent(reference)
