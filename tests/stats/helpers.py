"""A scripted set of visits, and what the tables hold afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.models import ArticleDay, ReferrerDay
from folio.stats import runner
from folio.stats.rules import Beacon, record_view
from tests.factories import ArticleFactory
from tests.stats.conftest import BROWSER, PHONE

DAY = date(2026, 11, 30)
OWN = frozenset({"localhost"})


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def view(
    session: Session,
    slug: str,
    day: date,
    *,
    address: str = "203.0.113.7",
    agent: str = BROWSER,
    referrer: str = "",
) -> bool:
    return record_view(
        session,
        runner.counter(),
        Beacon(slug, address, agent, referrer),
        own_hosts=OWN,
        now=_at(day),
    )


def stored(session: Session, day: date) -> dict[int, tuple[int, int]]:
    rows = session.execute(select(ArticleDay).where(ArticleDay.day == day)).scalars()
    return {r.article_id: (r.views, r.visitors) for r in rows}


def referrers(session: Session, day: date) -> dict[tuple[int, str], int]:
    rows = session.execute(select(ReferrerDay).where(ReferrerDay.day == day)).scalars()
    return {(r.article_id, r.host): r.views for r in rows}


def scripted_visits(session: Session) -> tuple[int, int]:
    """Two articles over two days: the same script for both counters."""
    first, second = ArticleFactory(slug="first"), ArticleFactory(slug="second")
    yesterday = DAY - timedelta(days=1)
    view(session, "first", yesterday, referrer="https://news.example.org/x")
    view(session, "first", yesterday, referrer="https://news.example.org/y")
    view(session, "first", yesterday, address="198.51.100.2")
    for reader in range(5):
        view(session, "first", DAY, address=f"192.0.2.{reader}", referrer="https://a.example/")
    view(session, "first", DAY, address="192.0.2.0", agent=PHONE)
    view(session, "second", DAY, referrer="https://b.example/")
    view(session, "second", DAY, referrer="https://b.example/")
    assert not view(session, "second", DAY, agent="Googlebot/2.1 (+http://www.google.com/bot.html)")
    return first.id, second.id


def check_scripted_totals(session: Session, first: int, second: int) -> None:
    yesterday = DAY - timedelta(days=1)
    assert stored(session, yesterday) == {first: (3, 2)}
    assert stored(session, DAY) == {first: (6, 6), second: (2, 1)}
    assert referrers(session, yesterday) == {(first, "news.example.org"): 2, (first, ""): 1}
    assert referrers(session, DAY) == {
        (first, "a.example"): 5,
        (first, ""): 1,
        (second, "b.example"): 2,
    }
