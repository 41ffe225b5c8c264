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
    rng = random.Random(seed_value)  # noqa: S311 - demo data, not secrets
    report = SeedReport()
    now = datetime.now(UTC)
    password_hash = hash_password(DEMO_PASSWORD)
    start = (session.scalar(select(func.max(User.id))) or 0) + 1

    def user_rows() -> Iterator[dict[str, Any]]:
        for i in range(users):
            n = start + i
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            is_demo = n == 1
            username = "demo" if is_demo else f"{first}_{last}_{n}"
            created = now - timedelta(days=rng.randint(30, 900))
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

    for batch in _batched(user_rows()):
        session.execute(insert(User), batch)
        report.users += len(batch)
    user_ids = list(session.scalars(select(User.id).where(User.id >= start).order_by(User.id)))
    progress(f"users: {report.users}")

    existing_tags = {name: tag_id for name, tag_id in session.execute(select(Tag.name, Tag.id))}
    missing = [{"name": name} for name in _TAGS if name not in existing_tags]
    if missing:
        session.execute(insert(Tag), missing)
    tag_ids = {name: tag_id for name, tag_id in session.execute(select(Tag.name, Tag.id))}
    tag_id_list = [tag_ids[name] for name in _TAGS]

    if not user_ids:
        return report
    # A long tail: a few prolific authors write most articles.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(user_ids))]
    # Cumulative once: random.choices with plain weights re-sums them on every call, which
    # is quadratic at 10,000 users. Same draws, same content for a given seed.
    cum_weights = list(itertools.accumulate(weights))
    first_article = (session.scalar(select(func.max(Article.id))) or 0) + 1
    # Markdown rendering dominates; a pool of bodies keeps 100,000 articles in minutes.
    pool = [markdown_body(rng) for _ in range(min(articles, 200))]
    pool_html = [render_markdown(body) for body in pool]

    def article_rows() -> Iterator[dict[str, Any]]:
        span = timedelta(days=720).total_seconds()
        for i in range(articles):
            n = first_article + i
            title = _title(rng)
            draft = rng.random() < drafts_ratio
            published = now - timedelta(seconds=span * (1 - i / max(articles, 1)))
            body_index = rng.randrange(len(pool))
            yield {
                "slug": f"{slugify(title, max_length=60)}-{n}",
                "title": title,
                "description": _sentence(rng, 8, 18),
                "body": pool[body_index],
                "body_html": pool_html[body_index],
                "status": Status.DRAFT.value if draft else Status.PUBLISHED.value,
                "published_at": None if draft else published,
                "author_id": rng.choices(user_ids, cum_weights=cum_weights)[0],
                "favorites_count": 0,
                "version": 1,
                "created_at": published - timedelta(hours=rng.randint(1, 72)),
                "updated_at": published,
            }

    for batch in _batched(article_rows()):
        session.execute(insert(Article), batch)
        report.articles += len(batch)
        if report.articles % 20000 < BATCH:
            progress(f"articles: {report.articles}")
    article_ids = list(
        session.scalars(select(Article.id).where(Article.id >= first_article).order_by(Article.id))
    )

    def tag_rows() -> Iterator[dict[str, Any]]:
        for article_id in article_ids:
            for tag_id in rng.sample(tag_id_list, rng.randint(1, 4)):
                yield {"article_id": article_id, "tag_id": tag_id}

    for batch in _batched(tag_rows()):
        session.execute(insert(article_tags), batch)

    def follow_rows() -> Iterator[dict[str, Any]]:
        for follower in user_ids:
            count = min(len(user_ids) - 1, rng.randint(0, follows_per_user * 2))
            for followee in set(rng.choices(user_ids, cum_weights=cum_weights, k=count)):
                if followee != follower:
                    yield {"follower_id": follower, "followee_id": followee, "created_at": now}

    for batch in _batched(follow_rows()):
        session.execute(insert(Follow), batch)
        report.follows += len(batch)

    def favorite_rows() -> Iterator[dict[str, Any]]:
        for user_id in user_ids:
            count = min(len(article_ids), rng.randint(0, favorites_per_user * 2))
            for article_id in set(rng.choices(article_ids, k=count)):
                yield {"user_id": user_id, "article_id": article_id, "created_at": now}

    for batch in _batched(favorite_rows()):
        session.execute(insert(Favorite), batch)
        report.favorites += len(batch)
    progress(f"favorites: {report.favorites}")

    def comment_rows() -> Iterator[dict[str, Any]]:
        total = int(len(article_ids) * comments_per_article)
        for _ in range(total):
            when = now - timedelta(minutes=rng.randint(1, 60 * 24 * 300))
            yield {
                "article_id": rng.choice(article_ids),
                "author_id": rng.choice(user_ids),
                "body": " ".join(_sentence(rng) for _ in range(rng.randint(1, 3))),
                "created_at": when,
                "updated_at": when,
            }

    for batch in _batched(comment_rows()):
        session.execute(insert(Comment), batch)
        report.comments += len(batch)
    progress(f"comments: {report.comments}")

    counts = (
        select(func.count())
        .where(Favorite.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )
    session.execute(
        update(Article).where(Article.id >= first_article).values(favorites_count=counts),
        execution_options={"synchronize_session": False},
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
    return report
