"""Scheduled publishing: a draft given a moment goes public then, exactly once.

Writers schedule, reschedule and cancel through the rules below. :func:`publish_due`
publishes what is due: a request on the embedded default, the Celery beat task or
``flask publish-due`` in production, any number of them at once. Each article is
claimed by one conditional UPDATE (still a draft, still due) whose row count says who
won; the winner publishes through :func:`rules.publish_article` in the same unit of
work, so ``ArticlePublished`` (and the follower emails) happens once. Reschedule and
cancel are conditional UPDATEs too (still in the future), so they and the claim never
both succeed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from folio.articles import events as article_events
from folio.articles import rules as articles
from folio.articles.permissions import can_delete
from folio.core.errors import Conflict, Forbidden, ValidationFailed
from folio.core.events import record
from folio.core.uow import unit_of_work
from folio.i18n import N_
from folio.models import Article, Status, User, now_utc

log = logging.getLogger(__name__)

DEFAULT_HORIZON = timedelta(days=365)
FIELD = "publish_at"
# What one run claims per query; a run goes on until nothing is due (catch-up).
BATCH = 100


# --- time zones ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows (tzdata as a fallback), sorted."""
    return tuple(sorted(available_timezones()))


def zone_of(name: str | None) -> ZoneInfo:
    """The zone called ``name``; UTC when it is unset or unknown."""
    if name and name in time_zone_names():
        return ZoneInfo(name)
    return ZoneInfo("UTC")


def checked_time_zone(name: str | None) -> str:
    """``name`` if it is an IANA zone name.

    :raises ValidationFailed: on ``time_zone`` otherwise.
    """
    value = (name or "").strip()
    if value not in time_zone_names():
        raise ValidationFailed({"time_zone": [N_("is not a time zone name, e.g. Europe/Paris")]})
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            {"time_zone": [N_("is not a time zone this server knows")]}
        ) from None
    return value


def set_time_zone(session: Session, actor: User, name: str) -> User:
    """Remember the zone the writer's dates are shown and entered in."""
    actor.time_zone = checked_time_zone(name)
    session.flush()
    return actor


def local_input_value(moment: datetime | None, zone_name: str | None) -> str:
    """``moment`` as a ``datetime-local`` input shows it in the writer's zone."""
    if moment is None:
        return ""
    return moment.astimezone(zone_of(zone_name)).strftime("%Y-%m-%dT%H:%M")


# --- parsing -------------------------------------------------------------------------------

# Whole sentences, each a catalog entry: pages show them in the reader's language.
_NOT_ISO = N_("is not a date and time: use ISO 8601 with an offset, e.g. 2027-01-31T09:00:00+01:00")
_NO_OFFSET = N_("needs an offset or Z: use ISO 8601 with an offset, e.g. 2027-01-31T09:00:00+01:00")
TOO_FAR = N_("is too far ahead: at most %(count)d days from now")
_LOCAL_BLANK = N_("can't be blank: pick a date and a time")
_NOT_LOCAL = N_("is not a date and time: pick a date and a time")


def parse_iso_moment(value: object) -> datetime:
    """An API's ``publish_at``: ISO 8601 with an offset (``Z`` allowed), as UTC.

    :raises ValidationFailed: on ``publish_at``, for anything else.
    """
    if not isinstance(value, str) or len(value) > 64:
        raise ValidationFailed({FIELD: [_NOT_ISO]})
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise ValidationFailed({FIELD: [_NOT_ISO]}) from None
    if moment.tzinfo is None:
        raise ValidationFailed({FIELD: [_NO_OFFSET]})
    return moment.astimezone(UTC)


def parse_local_moment(value: str | None, zone_name: str | None) -> datetime:
    """A ``datetime-local`` value (``2027-01-31T09:00``) read in the writer's zone, as UTC.

    :raises ValidationFailed: on ``publish_at``, when it is empty or not such a value.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({FIELD: [_LOCAL_BLANK]})
    try:
        naive = datetime.fromisoformat(text) if len(text) <= 32 else None
    except ValueError:
        naive = None
    if naive is None or naive.tzinfo is not None:
        raise ValidationFailed({FIELD: [_NOT_LOCAL]})
    # fold=0: a time that happens twice when clocks go back is read as the first one.
    return naive.replace(tzinfo=zone_of(zone_name)).astimezone(UTC)


# --- the writer's rules -------------------------------------------------------------------


def _check_moment(publish_at: datetime, now: datetime, horizon: timedelta) -> None:
    if publish_at <= now:
        raise ValidationFailed({FIELD: [N_("is in the past: choose a moment still to come")]})
    if publish_at > now + horizon:
        raise ValidationFailed({FIELD: [TOO_FAR % {"count": horizon.days}]})


def _check_may_schedule(actor: User, article: Article) -> None:
    if not can_delete(actor, article):
        raise Forbidden("article")
    if article.is_published:
        raise ValidationFailed(
            {FIELD: [N_("can only be set on a draft: this article is already published")]}
        )


def _passed(article: Article) -> Conflict:
    if article.is_published:
        return Conflict({FIELD: [N_("has passed: the article is already published")]})
    return Conflict({FIELD: [N_("has passed: the article is being published now")]})


def schedule_article(
    session: Session,
    actor: User,
    article: Article,
    publish_at: datetime,
    *,
    now: datetime | None = None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> Article:
    """Schedule a draft (or move its moment) to go public at ``publish_at``.

    The author or an admin may; the draft needs what publishing needs (a description
    and a body) now, so the moment does not come to nothing.

    :raises Forbidden: someone else's article.
    :raises ValidationFailed: published already, a moment past or beyond ``horizon``,
        or a missing description or body.
    :raises Conflict: the moment it had already passed (it is being published).
    """
    now = now or now_utc()
    _check_may_schedule(actor, article)
    if publish_at.tzinfo is None:
        raise ValidationFailed({FIELD: [N_("needs a time zone")]})
    publish_at = publish_at.astimezone(UTC).replace(microsecond=0)
    _check_moment(publish_at, now, horizon)
    articles.check_publishable(article)
    session.flush()
    moved = session.execute(
        update(Article)
        .where(
            Article.id == article.id,
            Article.status == Status.DRAFT.value,
            (Article.publish_at.is_(None)) | (Article.publish_at > now),
        )
        .values(publish_at=publish_at, version=Article.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(article, ["publish_at", "version", "updated_at", "status"])
    if not getattr(moved, "rowcount", 0):
        raise _passed(article)
    record(
        session,
        article_events.ArticleScheduled(
            article_id=article.id, author_id=article.author_id, publish_at=publish_at.isoformat()
        ),
    )
    return article


def cancel_schedule(
    session: Session, actor: User, article: Article, *, now: datetime | None = None
) -> Article:
    """Take a draft off the schedule; it stays a draft.

    :raises Forbidden: someone else's article.
    :raises ValidationFailed: it is not scheduled.
    :raises Conflict: its moment has passed (published, or being published).
    """
    now = now or now_utc()
    if not can_delete(actor, article):
        raise Forbidden("article")
    if article.publish_at is None and not article.is_published:
        raise ValidationFailed({FIELD: [N_("is not set: this draft is not scheduled")]})
    session.flush()
    cancelled = session.execute(
        update(Article)
        .where(
            Article.id == article.id,
            Article.status == Status.DRAFT.value,
            Article.publish_at > now,
        )
        .values(publish_at=None, version=Article.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(article, ["publish_at", "version", "updated_at", "status"])
    if not getattr(cancelled, "rowcount", 0):
        raise _passed(article)
    record(
        session,
        article_events.ArticleScheduleCancelled(article_id=article.id, author_id=article.author_id),
    )
    return article


@dataclass(frozen=True, slots=True)
class ScheduledItem:
    slug: str
    title: str
    publish_at: datetime
    author_name: str


def scheduled_for(session: Session, viewer: User) -> list[ScheduledItem]:
    """The viewer's scheduled drafts, soonest first (due ones too, until published)."""
    rows = session.scalars(
        select(Article)
        .options(joinedload(Article.author))
        .where(
            Article.author_id == viewer.id,
            Article.status == Status.DRAFT.value,
            Article.publish_at.is_not(None),
        )
        .order_by(Article.publish_at, Article.id)
    )
    return [
        ScheduledItem(a.slug, a.title, a.publish_at, a.author.name)
        for a in rows
        if a.publish_at is not None
    ]


# --- publishing what is due ---------------------------------------------------------------


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        Article.status == Status.DRAFT.value,
        Article.publish_at.is_not(None),
        Article.publish_at <= now,
    ]


def anything_due(session: Session, now: datetime | None = None) -> bool:
    """Whether a scheduled draft's moment has come (one indexed look-up)."""
    found = session.scalar(select(Article.id).where(*_due(now or now_utc())).limit(1))
    return found is not None


def publish_due(session: Session, now: datetime | None = None) -> list[str]:
    """Publish every draft whose moment has come, each exactly once across processes.

    Each article is its own unit of work: its claim, its publication and, after the
    commit, its ``ArticlePublished`` effects. The slugs this call published, soonest first.
    """
    now = now or now_utc()
    published: list[str] = []
    while True:
        # Read in a transaction of its own: on SQLite, a claim that began as a read would
        # fail outright when another process wrote in between.
        with unit_of_work(session):
            due = list(
                session.scalars(
                    select(Article.id)
                    .where(*_due(now))
                    .order_by(Article.publish_at, Article.id)
                    .limit(BATCH)
                )
            )
        for article_id in due:
            slug = _publish_one(session, article_id, now)
            if slug is not None:
                published.append(slug)
        if len(due) < BATCH:
            return published


def _claim(session: Session, article_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(Article)
        .where(Article.id == article_id, *_due(now))
        .values(publish_at=None)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0))


def _publish_one(session: Session, article_id: int, now: datetime) -> str | None:
    try:
        with unit_of_work(session):
            if not _claim(session, article_id, now):
                return None  # another process has it, or it was cancelled meanwhile
            article = session.scalar(
                select(Article)
                .options(joinedload(Article.author), selectinload(Article.tags))
                .where(Article.id == article_id)
                .execution_options(populate_existing=True)
            )
            assert article is not None  # noqa: S101 - claimed in this very transaction
            articles.publish_article(session, article.author, article)
            return article.slug
    except ValidationFailed as error:
        # Emptied after it was scheduled: take it off the schedule rather than retry it
        # on every run; it stays a draft for its writer to finish.
        with unit_of_work(session):
            _claim(session, article_id, now)
        log.warning("scheduled article %s not published: %s", article_id, error.message)
        return None
