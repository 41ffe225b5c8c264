"""Counting a view and rolling a day up: verb functions on a Session (no Flask).

A view is a page view: every beacon from a browser counts once. A visitor is counted
once per article per UTC day, whatever number of views they make (the same browser on
the same address reading an article twice today is 2 views, 1 visitor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles.models import Article, Status
from folio.core.errors import NotFound
from folio.stats.counters import Counter, DayCounts, top_referrers_per_article, upsert
from folio.stats.models import ArticleDay, ReferrerDay
from folio.stats.visitors import is_bot, referrer_host, visitor_hash

__all__ = ["Beacon", "DayCounts", "Rollup", "record_view", "rollup", "rollup_day"]


@dataclass(frozen=True)
class Beacon:
    """What a view request tells, before anything is kept of it."""

    slug: str
    address: str
    user_agent: str
    referrer: object


def record_view(
    session: Session,
    counter: Counter,
    beacon: Beacon,
    *,
    own_hosts: frozenset[str],
    now: datetime | None = None,
) -> bool:
    """Count a view of a published article; False when it came from a bot (not counted).

    :raises NotFound: no published article has that slug (drafts are not counted, and
        are answered as if they did not exist).
    """
    article_id = session.scalar(
        select(Article.id).where(Article.slug == beacon.slug, Article.status == Status.PUBLISHED)
    )
    if article_id is None:
        raise NotFound("article")
    if is_bot(beacon.user_agent):
        return False
    day = (now or datetime.now(UTC)).astimezone(UTC).date()
    visitor = visitor_hash(
        counter.salt(session, day), beacon.address, beacon.user_agent, article_id
    )
    counter.record(session, day, article_id, visitor, referrer_host(beacon.referrer, own_hosts))
    return True


@dataclass(frozen=True)
class Rollup:
    day: date
    articles: int
    views: int
    visitors: int


def rollup_day(session: Session, counter: Counter, day: date, *, hosts_kept: int = 50) -> Rollup:
    """Write ``day``'s totals from the counter into the tables (idempotent: a day rolled
    up twice, or again later in the day, holds the latest totals, never a sum of runs).

    Articles deleted since their views were counted are left out.
    """
    counts = counter.counts(day)
    if counts is None:  # counted straight into the tables
        return _table_totals(session, day)
    existing = _existing_articles(session, set(counts.views))
    counts = counts.only(existing)
    upsert(
        session,
        ArticleDay,
        ["article_id", "day"],
        [
            {"article_id": a, "day": day, "views": n, "visitors": counts.visitors.get(a, 0)}
            for a, n in sorted(counts.views.items())
        ],
    )
    referrers = top_referrers_per_article(counts.referrers, hosts_kept)
    upsert(
        session,
        ReferrerDay,
        ["article_id", "day", "host"],
        [
            {"article_id": a, "day": day, "host": host, "views": n}
            for (a, host), n in sorted(referrers.items())
        ],
    )
    session.flush()
    return Rollup(day, len(counts.views), sum(counts.views.values()), sum(counts.visitors.values()))


def rollup(
    session: Session, counter: Counter, *, today: date | None = None, hosts_kept: int = 50
) -> list[Rollup]:
    """The beat task's and the command's work: roll up yesterday and today, then delete
    the visitor hashes and salts of the days before today."""
    today = today or datetime.now(UTC).date()
    done = [
        rollup_day(session, counter, day, hosts_kept=hosts_kept)
        for day in (today - timedelta(days=1), today)
    ]
    counter.forget(session, today)
    session.flush()
    return done


def _existing_articles(session: Session, ids: set[int]) -> set[int]:
    found: set[int] = set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):  # bound the IN list
        chunk = ordered[start : start + 500]
        found.update(session.scalars(select(Article.id).where(Article.id.in_(chunk))))
    return found


def _table_totals(session: Session, day: date) -> Rollup:
    rows = session.execute(
        select(ArticleDay.views, ArticleDay.visitors).where(ArticleDay.day == day)
    ).all()
    return Rollup(day, len(rows), sum(r.views for r in rows), sum(r.visitors for r in rows))
