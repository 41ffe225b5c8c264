"""Single-article reads of the APIs (RealWorld ``GET /api/articles/:slug``, /api/v1's
``GET /articles/<slug>``) come from ``queries.get_article_view``: one statement of plain
columns, not an ``Article`` entity with its flags asked for apart. These tests hold it to
the reference, ``ArticleView.of(get_listing(...))``, and RealWorld's ``shapes.article`` of
both to one document, for every viewer (anonymous, a reader with flags, the author, an
admin, someone else) on varied articles, drafts included, and to the same 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from folio.articles.queries import ArticleListing, ArticleView, get_article_view, get_listing
from folio.core.errors import NotFound
from folio.extensions import db
from folio.media.models import Media
from folio.models import Article, Favorite, Follow, User
from folio.realworld import shapes
from tests.api.conftest import Account


def _outcome(
    session: Session, viewer: User | None, slug: str
) -> tuple[ArticleListing | None, str | None]:
    """The reference read's listing, or its NotFound message."""
    try:
        return get_listing(session, viewer, slug), None
    except NotFound as error:
        return None, str(error)


def test_article_view_is_the_listings_view(
    app: Flask,
    in_app: Callable[[Callable[[], Any]], Any],
    make_user: Callable[..., Account],
    make_article: Callable[..., str],
) -> None:
    writer = make_user(username="viewed", display_name="Vïewed", bio="Ωrites")
    reader = make_user(username="viewer")
    admin = make_user(username="boss", role="admin")
    slugs = [
        make_article(writer, title="Grüße 🎉", tags=["zeta", "alpha", "ünï"], body="Ünï *bold*"),
        make_article(writer, draft=True, description="", tags=["draft"]),
        make_article(writer, tags=["alpha"]),
        make_article(writer, language="de", send_email=False),
        make_article(reader, draft=True),
    ]

    def decorate() -> None:
        author = db.session.get(User, writer.id)
        assert author is not None
        author.avatar_key = "avatars/abc/original.png"
        media = Media(owner_id=writer.id, kind="image", content_hash="c0ffee", format="webp")
        media.width, media.height, media.bytes, media.filename = 800, 600, 1000, "c.webp"
        media.variants = [{"name": "w400", "width": 400, "height": 300}]
        db.session.add(media)
        db.session.flush()
        article = db.session.scalar(db.select(Article).where(Article.slug == slugs[2]))
        assert article is not None
        article.cover_id = media.id
        db.session.add(Favorite(user_id=reader.id, article_id=article.id))
        db.session.add(Follow(follower_id=reader.id, followee_id=writer.id))

    in_app(decorate)
    seen = 0
    with app.app_context():
        session = db.session()
        viewers = [None, *(session.get(User, a.id) for a in (writer, reader, admin))]
        for viewer in viewers:
            for slug in [*slugs, "no-such-article"]:
                reference, refused = _outcome(session, viewer, slug)
                if refused is not None:
                    with pytest.raises(NotFound) as raised:
                        get_article_view(session, viewer, slug)
                    assert str(raised.value) == refused
                    continue
                assert reference is not None
                view = get_article_view(session, viewer, slug)
                assert view == ArticleView.of(reference)
                listing = get_listing(session, viewer, slug)
                assert shapes.article(view) == shapes.article(listing)
                seen += 1
    # Published: everyone's (3 x 4 viewers); each draft: its author's and the admin's.
    assert seen == 3 * 4 + 2 + 2
