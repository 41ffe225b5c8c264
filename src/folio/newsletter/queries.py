"""Reading a newsletter list: its size, its growth, a page of it, all of it for CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from folio.models import Subscriber, now_utc

GROWTH_DAYS = 30


def _scope(author_id: int | None) -> ColumnElement[bool]:
    if author_id is None:
        return Subscriber.author_id.is_(None)
    return Subscriber.author_id == author_id


@dataclass(frozen=True)
class ListSummary:
    total: int
    # New subscribers per day, oldest first, for the last GROWTH_DAYS days (zeros kept).
    growth: list[tuple[date, int]]

    @property
    def new_in_period(self) -> int:
        return sum(count for _day, count in self.growth)

    @property
    def busiest_day(self) -> int:
        return max((count for _day, count in self.growth), default=0)


def summary(session: Session, author_id: int | None) -> ListSummary:
    total = session.scalar(select(func.count()).where(_scope(author_id))) or 0
    today = now_utc().date()
    since = today - timedelta(days=GROWTH_DAYS - 1)
    day = func.date(Subscriber.created_at)
    rows = session.execute(
        select(day, func.count())
        .where(_scope(author_id), Subscriber.created_at >= now_utc() - timedelta(days=GROWTH_DAYS))
        .group_by(day)
    )
    per_day = {str(when)[:10]: int(count) for when, count in rows}
    growth = [
        (since + timedelta(days=n), per_day.get(str(since + timedelta(days=n)), 0))
        for n in range(GROWTH_DAYS)
    ]
    return ListSummary(total=int(total), growth=growth)


def new_between(session: Session, author_id: int | None, since: date, until: date) -> int:
    """Subscriptions confirmed from ``since`` to ``until`` (UTC days, both included): to
    ``author_id``'s list, or to any list on the site when None."""
    start = datetime.combine(since, time.min, UTC)
    end = datetime.combine(until + timedelta(days=1), time.min, UTC)
    stmt = select(func.count()).where(Subscriber.created_at >= start, Subscriber.created_at < end)
    if author_id is not None:
        stmt = stmt.where(Subscriber.author_id == author_id)
    return int(session.scalar(stmt) or 0)


def page(
    session: Session, author_id: int | None, *, limit: int, offset: int
) -> tuple[list[Subscriber], int]:
    """Newest first, and the list's size."""
    total = session.scalar(select(func.count()).where(_scope(author_id))) or 0
    rows = session.scalars(
        select(Subscriber)
        .where(_scope(author_id))
        .order_by(Subscriber.created_at.desc(), Subscriber.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def each_subscriber(session: Session, author_id: int | None) -> Iterator[Subscriber]:
    """The whole list, oldest first, a chunk of rows at a time (for the CSV export)."""
    last_id = 0
    while True:
        chunk = list(
            session.scalars(
                select(Subscriber)
                .where(_scope(author_id), Subscriber.id > last_id)
                .order_by(Subscriber.id)
                .limit(1000)
            )
        )
        if not chunk:
            return
        yield from chunk
        last_id = chunk[-1].id
