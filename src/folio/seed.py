"""Demo content: realistic users, Markdown articles, tags, comments, follows, favorites.

Bulk inserts through SQLAlchemy Core in batches, so 100,000 articles take minutes, not
hours; every seeded user shares one password hash (hashing is slow on purpose).
Deterministic for a given ``seed``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slugify import slugify
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from folio.accounts.rules import hash_password
from folio.articles.markdown import render_markdown
from folio.articles.reading import count_words
from folio.models import (
    Article,
    Comment,
    Favorite,
    Follow,
    Status,
    Tag,
    User,
    article_tags,
    username_key,
)

DEMO_PASSWORD = "folio-demo-password"  # noqa: S105 - published demo credential
# An address Folio's own email check accepts (".test" is a reserved name it refuses), so
# a client resubmitting the demo account's settings unchanged is not turned away.
DEMO_EMAIL = "demo@example.com"
BATCH = 2000

_WORDS = (
    "flask python web server request response template database query index cache "
    "session cookie token design pattern service layer test browser deploy worker "
    "queue schema migration article writer reader garden river mountain coffee morning "
    "notebook journey craft language library framework latency throughput memory "
    "kernel network protocol security privacy publishing markdown editor draft story "
    "lesson mistake habit practice system simple clear small fast honest careful"
).split()
_TAGS = (
    "python flask web databases testing devops security writing design performance "
    "career opinion tutorial postgresql sqlite redis celery javascript css "
    "accessibility productivity open-source architecture api"
).split()
_FIRST = "ada grace alan linus margaret ken dennis barbara edsger donald frances radia".split()
_LAST = "lovelace hopper turing torvalds hamilton thompson ritchie liskov dijkstra knuth".split()


@dataclass
class SeedReport:
    users: int = 0
    articles: int = 0
    comments: int = 0
    favorites: int = 0
    follows: int = 0


def _sentence(rng: random.Random, low: int = 6, high: int = 16) -> str:
    words = rng.choices(_WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _title(rng: random.Random) -> str:
    return " ".join(rng.choices(_WORDS, k=rng.randint(3, 7))).title()


def markdown_body(rng: random.Random) -> str:
    """A Markdown article with headings, paragraphs, a list, code and a link."""
    parts = [" ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))]
    for _ in range(rng.randint(1, 3)):
        parts.append("## " + _title(rng))
        parts.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 6))))
        roll = rng.random()
        if roll < 0.4:
            parts.append("\n".join(f"- {_sentence(rng, 3, 7)}" for _ in range(rng.randint(2, 5))))
        elif roll < 0.7:
            word = rng.choice(_WORDS)
            factor = rng.randint(2, 9)
            parts.append(f"```python\ndef {word}(value):\n    return value * {factor}\n```")
        else:
            parts.append(
                f"Read more in [the {rng.choice(_WORDS)} notes](https://example.com/"
                f"{rng.choice(_WORDS)}) or *{rng.choice(_WORDS)}* on **{rng.choice(_WORDS)}**."
            )
    return "\n\n".join(parts)


def _batched(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(
    session: Session,
    *,
    users: int = 20,
    articles: int = 100,
    seed_value: int = 1,
    drafts_ratio: float = 0.05,
    comments_per_article: float = 3.0,
    favorites_per_user: int = 10,
    follows_per_user: int = 8,
    progress: Callable[[str], None] = lambda _msg: None,
) -> SeedReport:
    """Insert demo content into an empty or existing database; returns the counts."""
    seeder = _Seeder(session, random.Random(seed_value), progress)  # noqa: S311 - demo data
    user_ids = seeder.users(users)
    tag_ids = seeder.tags()
    if not user_ids:
        return seeder.report
    # A long tail: a few prolific authors write most articles. Cumulative weights once:
    # random.choices with plain weights re-sums them on every call, which is quadratic at
    # 10,000 users. Same draws, same content for a given seed.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(user_ids))]
    cum_weights = list(itertools.accumulate(weights))
    article_ids = seeder.articles(articles, drafts_ratio, user_ids, cum_weights)
    seeder.tag_links(article_ids, tag_ids)
    seeder.follows(user_ids, cum_weights, follows_per_user)
    seeder.favorites(user_ids, article_ids, favorites_per_user)
    seeder.comments(user_ids, article_ids, comments_per_article)
    seeder.count_favorites(article_ids)
    return seeder.report


class _Seeder:
    """One seeding run: each step inserts its rows in batches, drawing from one ``rng``
    in a fixed order so that a seed always gives the same content."""

    def __init__(
        self, session: Session, rng: random.Random, progress: Callable[[str], None]
    ) -> None:
        self.session, self.rng, self.progress = session, rng, progress
        self.report = SeedReport()
        self.now = datetime.now(UTC)

    def _insert(self, table: Any, rows: Iterator[dict[str, Any]]) -> int:
        inserted = 0
        for batch in _batched(rows):
            self.session.execute(insert(table), batch)
            inserted += len(batch)
        return inserted

    def users(self, count: int) -> list[int]:
        start = (self.session.scalar(select(func.max(User.id))) or 0) + 1
        self.report.users = self._insert(User, self._user_rows(start, count))
        self.progress(f"users: {self.report.users}")
        return list(self.session.scalars(select(User.id).where(User.id >= start).order_by(User.id)))

    def _user_rows(self, start: int, count: int) -> Iterator[dict[str, Any]]:
        rng, password_hash = self.rng, hash_password(DEMO_PASSWORD)
        for n in range(start, start + count):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            is_demo = n == 1
            username = "demo" if is_demo else f"{first}_{last}_{n}"
            created = self.now - timedelta(days=rng.randint(30, 900))
            yield {
                "username": username,
                "username_key": username_key(username),
                "email": DEMO_EMAIL if is_demo else f"{username}@example.com",
                "password_hash": password_hash,
                "display_name": f"{first.title()} {last.title()}",
                "bio": _sentence(rng, 8, 20),
                "image_url": None,
                "role": "admin" if is_demo else "author",
                "is_active": True,
                "session_version": 1,
                "email_notifications": True,
                "password_changed_at": created,
                "created_at": created,
                "updated_at": created,
            }

    def tags(self) -> list[int]:
        existing = {name: tag_id for name, tag_id in self.session.execute(select(Tag.name, Tag.id))}
        missing = [{"name": name} for name in _TAGS if name not in existing]
        if missing:
            self.session.execute(insert(Tag), missing)
        tag_ids = {name: tag_id for name, tag_id in self.session.execute(select(Tag.name, Tag.id))}
        return [tag_ids[name] for name in _TAGS]

    def articles(
        self, count: int, drafts_ratio: float, user_ids: list[int], cum_weights: list[float]
    ) -> list[int]:
        first = (self.session.scalar(select(func.max(Article.id))) or 0) + 1
        # Markdown rendering dominates; a pool of bodies keeps 100,000 articles in minutes.
        pool = [markdown_body(self.rng) for _ in range(min(count, 200))]
        pool_html = [render_markdown(body) for body in pool]
        pool_words = [count_words(body) for body in pool]
        rows = self._article_rows(first, count, drafts_ratio, user_ids, cum_weights, pool)
        for batch in _batched(rows):
            for row in batch:
                index = row.pop("_body_index")
                row["body_html"], row["word_count"] = pool_html[index], pool_words[index]
            self.session.execute(insert(Article), batch)
            self.report.articles += len(batch)
            if self.report.articles % 20000 < BATCH:
                self.progress(f"articles: {self.report.articles}")
        return list(
            self.session.scalars(select(Article.id).where(Article.id >= first).order_by(Article.id))
        )

    def _article_rows(
        self,
        first: int,
        count: int,
        drafts_ratio: float,
        user_ids: list[int],
        cum_weights: list[float],
        pool: list[str],
    ) -> Iterator[dict[str, Any]]:
        rng, span = self.rng, timedelta(days=720).total_seconds()
        for i in range(count):
            title = _title(rng)
            draft = rng.random() < drafts_ratio
            published = self.now - timedelta(seconds=span * (1 - i / max(count, 1)))
            body_index = rng.randrange(len(pool))
            yield {
                "slug": f"{slugify(title, max_length=60)}-{first + i}",
                "title": title,
                "description": _sentence(rng, 8, 18),
                "body": pool[body_index],
                "_body_index": body_index,
                "status": Status.DRAFT.value if draft else Status.PUBLISHED.value,
                "published_at": None if draft else published,
                "author_id": rng.choices(user_ids, cum_weights=cum_weights)[0],
                "favorites_count": 0,
                "version": 1,
                "created_at": published - timedelta(hours=rng.randint(1, 72)),
                "updated_at": published,
            }

    def tag_links(self, article_ids: list[int], tag_ids: list[int]) -> None:
        rng = self.rng
        rows = (
            {"article_id": article_id, "tag_id": tag_id}
            for article_id in article_ids
            for tag_id in rng.sample(tag_ids, rng.randint(1, 4))
        )
        self._insert(article_tags, rows)

    def follows(self, user_ids: list[int], cum_weights: list[float], per_user: int) -> None:
        def rows() -> Iterator[dict[str, Any]]:
            for follower in user_ids:
                count = min(len(user_ids) - 1, self.rng.randint(0, per_user * 2))
                for followee in set(self.rng.choices(user_ids, cum_weights=cum_weights, k=count)):
                    if followee != follower:
                        yield {
                            "follower_id": follower,
                            "followee_id": followee,
                            "created_at": self.now,
                        }

        self.report.follows = self._insert(Follow, rows())

    def favorites(self, user_ids: list[int], article_ids: list[int], per_user: int) -> None:
        def rows() -> Iterator[dict[str, Any]]:
            for user_id in user_ids:
                count = min(len(article_ids), self.rng.randint(0, per_user * 2))
                for article_id in set(self.rng.choices(article_ids, k=count)):
                    yield {"user_id": user_id, "article_id": article_id, "created_at": self.now}

        self.report.favorites = self._insert(Favorite, rows())
        self.progress(f"favorites: {self.report.favorites}")

    def comments(self, user_ids: list[int], article_ids: list[int], per_article: float) -> None:
        rng = self.rng

        def rows() -> Iterator[dict[str, Any]]:
            for _ in range(int(len(article_ids) * per_article)):
                when = self.now - timedelta(minutes=rng.randint(1, 60 * 24 * 300))
                yield {
                    "article_id": rng.choice(article_ids),
                    "author_id": rng.choice(user_ids),
                    "body": " ".join(_sentence(rng) for _ in range(rng.randint(1, 3))),
                    "created_at": when,
                    "updated_at": when,
                }

        self.report.comments = self._insert(Comment, rows())
        self.progress(f"comments: {self.report.comments}")

    def count_favorites(self, article_ids: list[int]) -> None:
        if not article_ids:
            return
        counts = (
            select(func.count())
            .where(Favorite.article_id == Article.id)
            .correlate(Article)
            .scalar_subquery()
        )
        self.session.execute(
            update(Article).where(Article.id >= article_ids[0]).values(favorites_count=counts),
            execution_options={"synchronize_session": False},
        )
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("ANALYZE"))
