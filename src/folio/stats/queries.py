"""The figures the dashboards and /api/v1 show: per day, top articles, top referrers,
new favorites and new subscribers over the last 7, 30 or 90 days.

Past days come from the rolled-up tables; today comes from the counter when it keeps
today's counts elsewhere (Redis), so the figures are live without waiting for a rollup.
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from folio.accounts.models import User
from folio.articles.models import Article, Favorite
from folio.articles.queries import get_article
from folio.core.errors import Forbidden
from folio.newsletter import queries as newsletter_queries
from folio.stats.counters import DayCounts
from folio.stats.models import ArticleDay, ReferrerDay

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
TOP = 10
# Past-period candidates looked at before today's live counts are merged in.
_CANDIDATES = 50


@dataclass(frozen=True)
class Scope:
    """Whose figures: one author's articles, one article, or (neither) the whole site."""

    author_id: int | None = None
    article_id: int | None = None

    def where(self, article_column: Any) -> list[Any]:
        if self.article_id is not None:
            return [article_column == self.article_id]
        if self.author_id is not None:
            return [
                article_column.in_(select(Article.id).where(Article.author_id == self.author_id))
            ]
        return []


@dataclass(frozen=True)
class DayFigure:
    day: date
    views: int
    visitors: int


@dataclass(frozen=True)
class ArticleFigure:
    article_id: int
    slug: str
    title: str
    views: int
    visitors: int


@dataclass(frozen=True)
class ReferrerFigure:
    host: str  # "" for direct visits
    views: int


@dataclass(frozen=True)
class Report:
    days: int
    start: date
    end: date
    series: list[DayFigure]
    views: int
    visitors: int
    favorites: int
    subscribers: int
    top_articles: list[ArticleFigure]
    top_referrers: list[ReferrerFigure]


def new_subscribers(session: Session, author_id: int | None, since: date, until: date) -> int:
    """How many readers subscribed by email between ``since`` and ``until`` (inclusive) to
    ``author_id`` (None: to anyone on the site)."""
    return newsletter_queries.new_between(session, author_id, since, until)


def report(
    session: Session,
    scope: Scope,
    *,
    days: int,
    today: date,
    live: DayCounts | None,
) -> Report:
    """The figures for the ``days`` days ending ``today`` (UTC), ``today`` included.

    ``live`` is today's counts from the counter, or None when the tables hold today too.
    """
    start = today - timedelta(days=days - 1)
    last_stored = today - timedelta(days=1) if live is not None else today
    today_live = _scoped(session, scope, live) if live is not None else DayCounts()
    per_day = {d: (0, 0) for d in (start + timedelta(days=i) for i in range(days))}
    for row in session.execute(_per_day(scope, start, last_stored)):
        per_day[row.day] = (int(row.views), int(row.visitors))
    if live is not None:
        per_day[today] = (sum(today_live.views.values()), sum(today_live.visitors.values()))
    series = [DayFigure(d, v, u) for d, (v, u) in sorted(per_day.items())]
    return Report(
        days=days,
        start=start,
        end=today,
        series=series,
        views=sum(f.views for f in series),
        visitors=sum(f.visitors for f in series),
        favorites=_new_favorites(session, scope, start),
        subscribers=new_subscribers(session, scope.author_id, start, today)
        if scope.article_id is None
        else 0,
        top_articles=_top_articles(session, scope, start, last_stored, today_live),
        top_referrers=_top_referrers(session, scope, start, last_stored, today_live),
    )


def _scoped(session: Session, scope: Scope, live: DayCounts) -> DayCounts:
    if scope.article_id is not None:
        return live.only({scope.article_id})
    if scope.author_id is None or not live.views:
        return live
    mine = set(
        session.scalars(
            select(Article.id).where(
                Article.author_id == scope.author_id, Article.id.in_(sorted(live.views))
            )
        )
    )
    return live.only(mine)


def _per_day(scope: Scope, start: date, end: date) -> Select[date, int, int]:
    return (
        select(
            ArticleDay.day,
            func.sum(ArticleDay.views).label("views"),
            func.sum(ArticleDay.visitors).label("visitors"),
        )
        .where(ArticleDay.day >= start, ArticleDay.day <= end, *scope.where(ArticleDay.article_id))
        .group_by(ArticleDay.day)
    )


def _top_articles(
    session: Session, scope: Scope, start: date, end: date, live: DayCounts
) -> list[ArticleFigure]:
    views = func.sum(ArticleDay.views)
    rows = session.execute(
        select(ArticleDay.article_id, views.label("views"), func.sum(ArticleDay.visitors))
        .where(ArticleDay.day >= start, ArticleDay.day <= end, *scope.where(ArticleDay.article_id))
        .group_by(ArticleDay.article_id)
        .order_by(views.desc(), ArticleDay.article_id)
        .limit(_CANDIDATES)
    ).all()
    totals: Tally[int] = Tally({r[0]: int(r[1]) for r in rows})
    uniques: Tally[int] = Tally({r[0]: int(r[2]) for r in rows})
    totals.update(live.views)
    uniques.update(live.visitors)
    ranked = sorted(totals, key=lambda a: (-totals[a], a))[:TOP]
    if not ranked:
        return []
    names = {
        r.id: r
        for r in session.execute(
            select(Article.id, Article.slug, Article.title).where(Article.id.in_(ranked))
        )
    }
    return [
        ArticleFigure(a, names[a].slug, names[a].title, totals[a], uniques[a])
        for a in ranked
        if a in names
    ]


def _top_referrers(
    session: Session, scope: Scope, start: date, end: date, live: DayCounts
) -> list[ReferrerFigure]:
    views = func.sum(ReferrerDay.views)
    rows = session.execute(
        select(ReferrerDay.host, views)
        .where(
            ReferrerDay.day >= start, ReferrerDay.day <= end, *scope.where(ReferrerDay.article_id)
        )
        .group_by(ReferrerDay.host)
        .order_by(views.desc(), ReferrerDay.host)
        .limit(_CANDIDATES)
    ).all()
    totals: Tally[str] = Tally({r[0]: int(r[1]) for r in rows})
    for (_article, host), count in live.referrers.items():
        totals[host] += count
    ranked = sorted(totals, key=lambda h: (-totals[h], h))[:TOP]
    return [ReferrerFigure(h, totals[h]) for h in ranked]


def _new_favorites(session: Session, scope: Scope, start: date) -> int:
    since = datetime.combine(start, time(), tzinfo=UTC)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Favorite)
            .where(Favorite.created_at >= since, *scope.where(Favorite.article_id))
        )
        or 0
    )


def own_article(session: Session, viewer: User, slug: str) -> Article:
    """The article whose figures ``viewer`` asks for: their own only.

    :raises NotFound: no such article, or a draft the viewer may not see.
    :raises Forbidden: someone else's article.
    """
    article = get_article(session, viewer, slug)
    if article.author_id != viewer.id:
        raise Forbidden("article", "only its author sees its figures")
    return article
