"""Where views are counted until the rollup: Redis, or the database itself.

With Redis (``REDIS_URL``) a view is one pipelined round trip: ``HINCRBY`` of the day's
views, ``PFADD`` of the visitor hash to the article's HyperLogLog for the day (at most
12 kB whatever the audience; its count has a standard error of 0.81%, and small counts
come out exact),
``HINCRBY`` of the referring host. The keys expire after ``STATS_REDIS_DAYS``; the rollup
copies a day's totals into the tables before that. Today's figures are read live.

Without Redis the view is written to the tables at once (a single small transaction):
the day's visitor hashes in ``stats_visitors`` decide whether a visitor is new, and the
rollup only deletes past days' hashes and salts. No Flask here.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from folio.stats.models import ArticleDay, ReferrerDay, StatsSalt, StatsVisitor

SALT_BYTES = 32


@dataclass
class DayCounts:
    """One day's counts per article, and per (article, referring host)."""

    views: dict[int, int] = field(default_factory=dict)
    visitors: dict[int, int] = field(default_factory=dict)
    referrers: dict[tuple[int, str], int] = field(default_factory=dict)

    def only(self, article_ids: set[int]) -> DayCounts:
        return DayCounts(
            {a: n for a, n in self.views.items() if a in article_ids},
            {a: n for a, n in self.visitors.items() if a in article_ids},
            {k: n for k, n in self.referrers.items() if k[0] in article_ids},
        )


class Counter(Protocol):
    """What the beacon, the rollup and the dashboards need of a place to count in."""

    def salt(self, session: Session, day: date) -> bytes: ...

    def record(self, session: Session, day: date, article_id: int, visitor: str, host: str) -> None:
        """Count one view of ``article_id`` on ``day`` by ``visitor`` from ``host``."""

    def counts(self, day: date) -> DayCounts | None:
        """``day``'s counts kept outside the tables (None: the tables are up to date)."""

    def forget(self, session: Session, before: date) -> None:
        """Delete the visitor hashes and salts of the days before ``before``."""


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


class RedisCounter:
    """Counts in Redis; the salt too, expiring at the end of its day."""

    def __init__(self, client: Any, prefix: str, keep_days: int) -> None:
        self.client = client
        self.prefix = prefix
        self.keep_seconds = max(2, keep_days) * 86400
        self._salts: dict[date, bytes] = {}

    def _key(self, day: date, *parts: object) -> str:
        return ":".join([f"{self.prefix}{day.isoformat()}", *map(str, parts)])

    def salt(self, session: Session, day: date) -> bytes:
        if (known := self._salts.get(day)) is not None:
            return known
        key = f"{self.prefix}salt:{day.isoformat()}"
        # Kept a minute past midnight, for the beacons of the day's last second.
        expires = int((_end_of_day(day) - datetime.now(UTC)).total_seconds()) + 60
        self.client.set(key, secrets.token_bytes(SALT_BYTES), nx=True, ex=max(expires, 60))
        value = bytes(self.client.get(key))
        self._salts = {day: value}  # only today's is ever needed again
        return value

    def record(self, session: Session, day: date, article_id: int, visitor: str, host: str) -> None:
        views, referrers = self._key(day, "views"), self._key(day, "referrers")
        unique = self._key(day, "visitors", article_id)
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(views, str(article_id), 1)
        pipe.pfadd(unique, visitor)
        pipe.hincrby(referrers, f"{article_id} {host}", 1)
        for key in (views, unique, referrers):
            pipe.expire(key, self.keep_seconds)
        pipe.execute()

    def counts(self, day: date) -> DayCounts:
        views = {int(k): int(v) for k, v in self.client.hgetall(self._key(day, "views")).items()}
        pipe = self.client.pipeline(transaction=False)
        for article_id in views:
            pipe.pfcount(self._key(day, "visitors", article_id))
        visitors = dict(zip(views, map(int, pipe.execute()), strict=True))
        referrers: dict[tuple[int, str], int] = {}
        for raw, count in self.client.hgetall(self._key(day, "referrers")).items():
            article_id, _, host = raw.decode().partition(" ")
            referrers[(int(article_id), host)] = int(count)
        return DayCounts(views, visitors, referrers)

    def forget(self, session: Session, before: date) -> None:
        # The salts expire by themselves at the end of their day; the counts after
        # STATS_REDIS_DAYS (hashes whose salt is gone identify no one).
        self._salts = {d: s for d, s in self._salts.items() if d >= before}


class DatabaseCounter:
    """Counts straight into the tables: no Redis needed (one process or many)."""

    def __init__(self) -> None:
        self._salts: dict[date, bytes] = {}

    def salt(self, session: Session, day: date) -> bytes:
        if (known := self._salts.get(day)) is not None:
            return known
        value = session.scalar(select(StatsSalt.salt).where(StatsSalt.day == day))
        if value is None:
            session.execute(
                _insert(session, StatsSalt)
                .values(day=day, salt=secrets.token_bytes(SALT_BYTES))
                .on_conflict_do_nothing()
            )
            session.execute(delete(StatsSalt).where(StatsSalt.day < day))
            value = session.scalar(select(StatsSalt.salt).where(StatsSalt.day == day))
        assert value is not None  # noqa: S101 - inserted just above, or by a racing beacon
        self._salts = {day: bytes(value)}
        return bytes(value)

    def record(self, session: Session, day: date, article_id: int, visitor: str, host: str) -> None:
        # RETURNING answers a row only when the hash was new today (rowcount is not
        # reliable for ON CONFLICT DO NOTHING across drivers).
        inserted = session.execute(
            _insert(session, StatsVisitor)
            .values(day=day, article_id=article_id, visitor=visitor)
            .on_conflict_do_nothing()
            .returning(StatsVisitor.article_id)
        ).first()
        new = 1 if inserted is not None else 0
        days = ArticleDay.__table__.c
        session.execute(
            _insert(session, ArticleDay)
            .values(article_id=article_id, day=day, views=1, visitors=new)
            .on_conflict_do_update(
                index_elements=[days.article_id, days.day],
                set_={"views": days.views + 1, "visitors": days.visitors + new},
            )
        )
        refs = ReferrerDay.__table__.c
        session.execute(
            _insert(session, ReferrerDay)
            .values(article_id=article_id, day=day, host=host, views=1)
            .on_conflict_do_update(
                index_elements=[refs.article_id, refs.day, refs.host],
                set_={"views": refs.views + 1},
            )
        )

    def counts(self, day: date) -> None:
        return None

    def forget(self, session: Session, before: date) -> None:
        session.execute(delete(StatsVisitor).where(StatsVisitor.day < before))
        session.execute(delete(StatsSalt).where(StatsSalt.day < before))
        self._salts = {d: s for d, s in self._salts.items() if d >= before}


def _insert(session: Session, model: type[Any]) -> Any:
    """An INSERT with ``on_conflict_*`` for this session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def upsert(session: Session, model: type[Any], keys: list[str], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, replacing the other columns of those whose ``keys`` exist."""
    if not rows:
        return
    table = model.__table__
    statement = _insert(session, model)
    values = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    statement = statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys], set_=values
    )
    session.execute(statement, rows)


def top_referrers_per_article(
    referrers: dict[tuple[int, str], int], keep: int
) -> dict[tuple[int, str], int]:
    """At most ``keep`` hosts per article; the rest are summed under ``OTHER_HOSTS``
    (a flood of forged referrers cannot grow the tables without bound)."""
    by_article: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for (article_id, host), count in referrers.items():
        by_article[article_id].append((host, count))
    kept: dict[tuple[int, str], int] = {}
    for article_id, hosts in by_article.items():
        hosts.sort(key=lambda item: (-item[1], item[0]))
        for host, count in hosts[:keep]:
            kept[(article_id, host)] = count
        rest = sum(count for _host, count in hosts[keep:])
        if rest:
            kept[(article_id, OTHER_HOSTS)] = kept.get((article_id, OTHER_HOSTS), 0) + rest
    return kept


# Not a host name (hosts never hold a space), so it can never be a real referrer.
OTHER_HOSTS = "(other sites)"
