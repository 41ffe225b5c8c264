"""Shared by the scheduled-publishing tests: counting ArticlePublished, a scheduled draft."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from folio.articles.events import ArticlePublished
from folio.core.events import happened
from folio.extensions import db
from folio.models import Article, Follow, User
from tests.factories import ArticleFactory, UserFactory

# A fixed "now" for the rules' tests, so nothing depends on the clock.
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


class PublishedEvents:
    """Every ArticlePublished dispatched while counting, from any thread."""

    def __init__(self) -> None:
        self.article_ids: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, _sender: Any, event: ArticlePublished) -> None:
        with self._lock:
            self.article_ids.append(event.article_id)

    def of(self, article_id: int) -> int:
        return self.article_ids.count(article_id)


@contextmanager
def counting_published() -> Iterator[PublishedEvents]:
    counter = PublishedEvents()
    with happened.connected_to(counter, sender=ArticlePublished):
        yield counter


def scheduled_draft(
    author: User | None = None, at: datetime | None = None, **fields: Any
) -> Article:
    """A draft ready to publish, scheduled for ``at`` (default: an hour after NOW)."""
    return ArticleFactory(
        author=author or UserFactory(),
        draft=True,
        publish_at=at or NOW + timedelta(hours=1),
        **fields,
    )


def follower_of(author: User, **fields: Any) -> User:
    reader = UserFactory(**fields)
    db.session.add(Follow(follower_id=reader.id, followee_id=author.id))
    db.session.flush()
    return reader
