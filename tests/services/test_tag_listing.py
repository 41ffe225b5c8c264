"""Tag listing for paginated faces: ``popular_tags`` pages and ``count_tags``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from folio.articles.queries import count_tags, popular_tags
from tests.factories import ArticleFactory


def test_popular_tags_pages_in_the_same_order_and_count_matches(session: Session) -> None:
    ArticleFactory(tags=["python", "flask"])
    ArticleFactory(tags=["python", "web"])
    ArticleFactory(tags=["python"])
    ArticleFactory(tags=["secret"], draft=True)

    assert popular_tags(session) == ["python", "flask", "web"]
    assert popular_tags(session, limit=2) == ["python", "flask"]
    assert popular_tags(session, limit=2, offset=2) == ["web"]
    # Tags only drafts use are not counted, as they are not listed.
    assert count_tags(session) == 3


def test_count_tags_is_zero_without_published_articles(session: Session) -> None:
    ArticleFactory(tags=["draft-only"], draft=True)
    assert count_tags(session) == 0
    assert popular_tags(session) == []
