"""Search: one ranking answers every page and the total; kept rankings; hostile queries.

Runs on SQLite (FTS5) and, with ``TEST_DATABASE_URL``, on PostgreSQL (tsvector + GIN).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.queries import ArticleFilter
from folio.core import totals
from folio.core.uow import unit_of_work
from folio.models import Article, User
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import text

HOSTILE_QUERIES = [
    '"',
    "'",
    '""python""',
    "*",
    "python*",
    "^python",
    "NEAR(python flask)",
    "python AND NOT flask OR",
    "title:python",
    "{title}: python",
    "(",
    ")(",
    "- + ~ : ! & | <->",
    "'; drop table articles; --",
    "\x00",
    "py\x00thon",
    "the and of",
    "_",
    "a_b __init__",
    "🙂",
    "Zürich straße",
    "日本語の検索",
    "مرحبا",
    "e\u0301te\u0301",
    "x" * 199,
    " ".join(["word"] * 100),
]


@pytest.fixture
def rankings_kept(session: Session) -> Iterator[None]:
    # After the app fixture, whose factory sets the TTL from its config.
    totals.configure(60)
    yield
    totals.configure(0)


def slugs(page: article_queries.ArticlePage) -> list[str]:
    return [item.article.slug for item in page.items]


def gardening_site() -> list[str]:
    """Nine matches of differing strength and one article that does not match; returns
    the matches' slugs."""
    made = [ArticleFactory(title=f"Notes {n}", body=f"gardening {'soil ' * n}") for n in range(3)]
    made += [ArticleFactory(title=f"Gardening week {n}", body="seeds") for n in range(3)]
    made += [ArticleFactory(title="Other", description=f"A gardening diary {n}") for n in range(3)]
    ArticleFactory(title="Unrelated", body="Nothing here.")
    return [article.slug for article in made]


def search(session: Session, query: str, **kwargs: Any) -> article_queries.ArticlePage:
    return article_queries.list_articles(session, None, ArticleFilter(query=query), **kwargs)


def test_pages_of_a_search_follow_one_ranking_best_first(session: Session) -> None:
    matches = gardening_site()
    whole = search(session, "gardening", limit=50)
    assert sorted(slugs(whole)) == sorted(matches)
    assert whole.total == 9
    # Titles first, newest first among equals; descriptions before bodies.
    assert slugs(whole)[:3] == list(reversed(matches[3:6]))
    assert set(slugs(whole)[3:6]) == set(matches[6:9])
    paged = [slugs(search(session, "gardening", limit=2, offset=o)) for o in range(0, 10, 2)]
    assert [slug for page in paged for slug in page] == slugs(whole)
    assert all(search(session, "gardening", limit=2, offset=o).total == 9 for o in (0, 8, 20))
    assert search(session, "gardening", limit=2, offset=20).items == []


@pytest.mark.parametrize("viewer_kind", ["anonymous", "signed-in"])
def test_a_search_takes_two_statements_whatever_its_page_size(
    session: Session, count_queries: Any, viewer_kind: str
) -> None:
    gardening_site()
    viewer = UserFactory() if viewer_kind == "signed-in" else None
    viewer_id = viewer.id if viewer is not None else None
    counts = []
    for size in (2, 9):
        session.expunge_all()
        reader = session.get(User, viewer_id) if viewer_id is not None else None
        with count_queries() as counted:
            page = article_queries.list_articles(
                session, reader, ArticleFilter(query="gardening"), limit=size
            )
            for item in page.items:
                _ = (item.article.author.username, item.article.tag_names, item.favorited)
        assert len(page.items) == size
        counts.append(counted.count)
    # The ranked ids (which also give the total), then the page's rows.
    assert counts == [2, 2]


@pytest.mark.usefixtures("rankings_kept")
def test_a_kept_ranking_serves_later_pages_with_one_statement(
    session: Session, count_queries: Any
) -> None:
    gardening_site()
    first = search(session, "gardening", limit=3)
    with count_queries() as counted:
        second = search(session, "Gardening", limit=3, offset=3)  # the same words
    assert counted.count == 1
    assert second.total == 9
    assert not set(slugs(first)) & set(slugs(second))
    with count_queries() as counted:
        assert search(session, "gardening  soil").total == 2  # other words: ranked anew
    assert counted.count == 2


@pytest.mark.usefixtures("rankings_kept")
def test_a_write_forgets_kept_rankings(session: Session) -> None:
    gardening_site()
    assert search(session, "gardening").total == 9
    with unit_of_work(session):
        fresh = articles.create_article(
            session, UserFactory(), title="Gardening today", description="d", body="b", publish=True
        )
    page = search(session, "gardening")
    assert page.total == 10
    assert fresh.slug in slugs(page)


@pytest.mark.usefixtures("rankings_kept")
def test_a_kept_ranking_never_shows_an_article_unpublished_since(session: Session) -> None:
    matches = gardening_site()
    first = slugs(search(session, "gardening", limit=3))
    # Another worker unpublishes it: this process's kept ranking is not forgotten.
    session.execute(update(Article).where(Article.slug == first[0]).values(status="draft"))
    again = slugs(search(session, "gardening", limit=3))
    assert again == first[1:]
    assert first[0] in matches


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_give_results_or_nothing(session: Session, query: str) -> None:
    ArticleFactory(title="Python and Flask", body="python word " * 3)
    page = search(session, query)
    assert page.total == len(page.items)
    assert all(item.article.title == "Python and Flask" for item in page.items)


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_break_the_search_page(
    client: FlaskClient, session: Session, query: str
) -> None:
    ArticleFactory(title="Python and Flask", body="python")
    response = client.get("/search", query_string={"q": query})
    if "\x00" in query:
        # Refused for every request by the input guards, with the reason.
        assert response.status_code == 400
        assert "NUL" in text(response)
    else:
        assert response.status_code == 200
        assert "Search" in text(response)


@pytest.mark.parametrize("query", [*HOSTILE_QUERIES, "x" * 5000])
def test_hostile_queries_are_answered_or_refused_by_the_api(
    client: FlaskClient, session: Session, query: str
) -> None:
    ArticleFactory(title="Python and Flask", body="python")
    response = client.get("/api/v1/articles", query_string={"q": query})
    expected = (400,) if "\x00" in query else (200, 422)
    assert response.status_code in expected, response.get_data(as_text=True)[:300]
    if len(query) > 200:
        assert response.status_code == 422


def test_the_search_page_finds_the_words_of_any_script(
    client: FlaskClient, session: Session
) -> None:
    ArticleFactory(title="Zürich im Winter", body="straße")
    ArticleFactory(title="Python and Flask", body="python")
    page = text(client.get("/search", query_string={"q": "zürich"}))
    assert "1 result" in page
    assert "Zürich im Winter" in page
    no_words = text(client.get("/search", query_string={"q": "_ 🙂 *"}))
    assert "No results for" in no_words
