"""What a unit of work hands its subscribers: the rows it inserted still loaded, and
batch subscribers called once per commit."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy.orm import Session

from folio.articles import rules as articles
from folio.articles.events import ArticlePublished
from folio.core import events
from folio.core.uow import KEPT_MAX, unit_of_work
from folio.models import Article, Tag
from tests.factories import UserFactory


@pytest.fixture
def subscribed() -> Iterator[Any]:
    """``subscribed(fn, *types)`` connects ``fn`` for the test only."""
    added: list[Any] = []

    def connect(subscriber: Any, *types: type[events.DomainEvent]) -> None:
        events.subscribe(subscriber, *types)
        added.extend((subscriber, t) for t in types)

    yield connect
    for key in added:
        events.happened.disconnect(events._receivers.pop(key))


def test_a_subscriber_finds_the_new_article_without_reading_it(
    session: Session, subscribed: Any, count_queries: Any
) -> None:
    author = UserFactory()
    session.commit()
    found: list[tuple[Article | None, int]] = []

    def look(event: events.DomainEvent) -> None:
        assert isinstance(event, ArticlePublished)
        with count_queries() as counted:
            article = session.get(Article, event.article_id)
        found.append((article, len(counted.statements)))

    subscribed(look, ArticlePublished)

    def write() -> int:
        # As a view: nothing but the session holds the article once this returns.
        with unit_of_work(session):
            made = articles.create_article(
                session, author, title="Kept", description="d", body="b", publish=True
            )
            return made.id

    article_id = write()
    gc.collect()
    (article, statements), *_ = found
    assert article is not None
    assert (article.id, article.title) == (article_id, "Kept")
    assert statements == 0


def test_what_was_kept_is_let_go_after_the_dispatch(session: Session) -> None:
    author = UserFactory()
    session.commit()
    with unit_of_work(session):
        tags = [Tag(name=f"kept-{n}") for n in range(KEPT_MAX + 10)]
        session.add_all(tags)
        session.flush()
        assert len(session.info["folio.uow.kept"]) == KEPT_MAX  # a bulk write keeps no more
        del tags
    assert "folio.uow.kept" not in session.info
    assert author.id is not None


def test_a_batch_subscriber_hears_each_commit_once(session: Session) -> None:
    author = UserFactory()
    session.commit()
    batches: list[list[str]] = []

    def hear(found: Sequence[events.DomainEvent]) -> None:
        batches.append([event.name for event in found])

    events.subscribe_batches(hear)
    try:
        with unit_of_work(session):
            articles.create_article(
                session, author, title="Once", description="d", body="b", publish=True
            )
        with unit_of_work(session):
            pass  # no event: no call
    finally:
        events._batch_subscribers.remove(hear)
    assert batches == [["article.created", "article.published"]]
