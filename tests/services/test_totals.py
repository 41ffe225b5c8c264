"""List totals may be reused for a few seconds; writes forget them; search ranks the newest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles import search
from folio.articles.queries import ArticleFilter
from folio.core import totals
from folio.core.uow import unit_of_work
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture
def totals_kept(session: Session) -> Iterator[None]:
    # After the app fixture, whose factory sets the TTL from its config.
    totals.configure(60)
    yield
    totals.configure(0)


def test_without_a_ttl_every_total_is_counted(session: Session) -> None:
    ArticleFactory()
    assert article_queries.list_articles(session, None).total == 1
    ArticleFactory()
    assert article_queries.list_articles(session, None).total == 2


@pytest.mark.usefixtures("totals_kept")
def test_a_kept_total_is_reused_until_a_write_forgets_it(
    session: Session, count_queries: Any
) -> None:
    ArticleFactory()
    assert article_queries.list_articles(session, None).total == 1
    with count_queries() as counted:
        assert article_queries.list_articles(session, None).total == 1
    reused = counted.count
    with count_queries() as counted:
        assert article_queries.list_articles(session, None, with_total=False).total == 0
    # The kept total costs no query: the list takes what it takes without a total.
    assert reused == counted.count
    # A write through the services forgets every kept total at once.
    author = UserFactory()
    with unit_of_work(session):
        articles.create_article(
            session, author, title="Fresh", description="d", body="b", publish=True
        )
    assert article_queries.list_articles(session, None).total == 2


@pytest.mark.usefixtures("totals_kept")
def test_totals_are_kept_per_filter_and_never_for_my_own_list(session: Session) -> None:
    author = UserFactory()
    ArticleFactory(author=author, tags=["flask"])
    ArticleFactory(tags=["redis"])
    assert article_queries.list_articles(session, None, ArticleFilter(tag="flask")).total == 1
    assert article_queries.list_articles(session, None, ArticleFilter(tag="redis")).total == 1
    mine = ArticleFilter(mine=True)
    assert article_queries.list_articles(session, author, mine).total == 1
    with unit_of_work(session):
        articles.create_article(session, author, title="Second draft", description="", body="")
    assert article_queries.list_articles(session, author, mine).total == 2


def test_search_ranks_only_the_newest_matches(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    oldest = ArticleFactory(title="Gardening notes", body="Soil.")
    newer = [ArticleFactory(title=f"Gardening tips {n}", body="Seeds.") for n in range(2)]
    monkeypatch.setattr(search, "MAX_CANDIDATES", 2)
    page = article_queries.list_articles(session, None, ArticleFilter(query="gardening"))
    assert {item.article.slug for item in page.items} == {a.slug for a in newer}
    assert oldest.slug not in {item.article.slug for item in page.items}
    assert page.total == 2


@pytest.mark.usefixtures("totals_kept")
def test_a_deep_page_starts_where_its_offset_was_and_a_write_moves_it(
    session: Session, count_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(article_queries, "DEEP_OFFSET", 2)
    made = [ArticleFactory() for _ in range(8)]
    newest_first = [article.slug for article in reversed(made)]

    def page(offset: int) -> list[str]:
        listed = article_queries.list_articles(session, None, limit=2, offset=offset)
        return [item.article.slug for item in listed.items]

    assert page(2) == newest_first[2:4]  # read with OFFSET; the positions are kept
    with count_queries() as counted:
        assert page(2) == newest_first[2:4]
        assert page(4) == newest_first[4:6]  # where the page before it ended
        assert page(6) == newest_first[6:8]
    # Each read from a kept position, as a cursor reads (no OFFSET to walk).
    assert len(counted.statements) == 3
    assert all("published_at <=" in statement for statement in counted.statements)
    assert page(8) == []
    # A write through the services forgets the positions: a new article moves every page.
    author = UserFactory()
    with unit_of_work(session):
        articles.create_article(
            session, author, title="Fresh", description="d", body="b", publish=True
        )
    assert page(2) == newest_first[1:3]
    assert page(4) == newest_first[3:5]
