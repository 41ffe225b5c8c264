"""Scheduling rules: who may schedule what and when, and publishing what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import rules as articles
from folio.articles import scheduling
from folio.core.errors import Conflict, Forbidden, ValidationFailed
from folio.core.uow import unit_of_work
from folio.mail import outbox
from folio.models import Article, Status
from tests.desk.schedule_helpers import NOW, counting_published, follower_of, scheduled_draft
from tests.factories import ArticleFactory, UserFactory

LATER = NOW + timedelta(hours=2)


def _errors(excinfo: pytest.ExceptionInfo[Exception]) -> dict[str, list[str]]:
    return excinfo.value.errors  # type: ignore[attr-defined,no-any-return]


# --- scheduling and its bad inputs -------------------------------------------------------


def test_a_writer_schedules_a_draft_which_stays_a_draft(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    scheduling.schedule_article(session, draft.author, draft, LATER, now=NOW)
    assert draft.publish_at == LATER
    assert draft.status == Status.DRAFT.value
    assert draft.published_at is None


def test_an_admin_may_schedule_someone_elses_draft(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    scheduling.schedule_article(session, UserFactory(admin=True), draft, LATER, now=NOW)
    assert draft.publish_at == LATER


def test_another_writer_may_not_schedule_it(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    with pytest.raises(Forbidden):
        scheduling.schedule_article(session, UserFactory(), draft, LATER, now=NOW)
    session.refresh(draft)
    assert draft.publish_at is None


@pytest.mark.parametrize(
    ("moment", "message"),
    [
        (NOW - timedelta(minutes=1), "is in the past"),
        (NOW, "is in the past"),
        (NOW + timedelta(days=366), "is too far ahead: at most 365 days from now"),
        (NOW + timedelta(days=3 * 365), "is too far ahead"),
    ],
)
def test_a_moment_past_or_too_far_ahead_is_refused_and_changes_nothing(
    session: Session, moment: datetime, message: str
) -> None:
    draft = scheduled_draft()
    version = draft.version
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.schedule_article(session, draft.author, draft, moment, now=NOW)
    assert message in _errors(excinfo)["publish_at"][0]
    session.refresh(draft)
    assert (draft.publish_at, draft.version) == (NOW + timedelta(hours=1), version)


def test_the_horizon_is_configurable(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.schedule_article(
            session, draft.author, draft, NOW + timedelta(days=8), now=NOW, horizon=timedelta(7)
        )
    assert "at most 7 days" in _errors(excinfo)["publish_at"][0]


def test_a_published_article_cannot_be_scheduled(session: Session) -> None:
    article = ArticleFactory()
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.schedule_article(session, article.author, article, LATER, now=NOW)
    assert "only be set on a draft" in _errors(excinfo)["publish_at"][0]
    assert article.publish_at is None


def test_a_draft_without_description_or_body_cannot_be_scheduled(session: Session) -> None:
    draft = ArticleFactory(draft=True, description="", body="")
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.schedule_article(session, draft.author, draft, LATER, now=NOW)
    assert set(_errors(excinfo)) == {"description", "body"}
    session.refresh(draft)
    assert draft.publish_at is None


def test_a_scheduled_draft_cannot_be_emptied(session: Session) -> None:
    draft = scheduled_draft()
    with pytest.raises(ValidationFailed) as excinfo:
        articles.update_article(session, draft.author, draft, {"body": ""})
    assert "body" in _errors(excinfo)


def test_rescheduling_moves_the_moment(session: Session) -> None:
    draft = scheduled_draft()
    scheduling.schedule_article(session, draft.author, draft, LATER + timedelta(days=1), now=NOW)
    assert draft.publish_at == LATER + timedelta(days=1)


def test_rescheduling_after_the_moment_passed_is_refused(session: Session) -> None:
    draft = scheduled_draft(at=NOW - timedelta(minutes=5))
    with pytest.raises(Conflict) as excinfo:
        scheduling.schedule_article(session, draft.author, draft, LATER, now=NOW)
    assert _errors(excinfo) == {"publish_at": ["has passed: the article is being published now"]}
    session.refresh(draft)
    assert draft.publish_at == NOW - timedelta(minutes=5)


def test_cancelling_keeps_the_draft(session: Session) -> None:
    draft = scheduled_draft()
    scheduling.cancel_schedule(session, draft.author, draft, now=NOW)
    assert (draft.publish_at, draft.status) == (None, Status.DRAFT.value)


def test_cancelling_what_is_not_scheduled_says_so(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.cancel_schedule(session, draft.author, draft, now=NOW)
    assert _errors(excinfo) == {"publish_at": ["is not set: this draft is not scheduled"]}


def test_cancelling_after_publication_says_it_has_passed(session: Session) -> None:
    article = ArticleFactory()
    with pytest.raises(Conflict) as excinfo:
        scheduling.cancel_schedule(session, article.author, article, now=NOW)
    assert _errors(excinfo) == {"publish_at": ["has passed: the article is already published"]}


def test_another_writer_may_not_cancel(session: Session) -> None:
    draft = scheduled_draft()
    with pytest.raises(Forbidden):
        scheduling.cancel_schedule(session, UserFactory(), draft, now=NOW)
    assert draft.publish_at is not None


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01T10:30:00+01:00", datetime(2027, 3, 1, 9, 30, tzinfo=UTC)),
        ("2027-03-01T09:30:00Z", datetime(2027, 3, 1, 9, 30, tzinfo=UTC)),
        ("2027-03-01T04:30-05:00", datetime(2027, 3, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_api_moments_need_an_offset_and_become_utc(text: str, expected: datetime) -> None:
    assert scheduling.parse_iso_moment(text) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow at nine", "is not a date and time"),
        ("2027-02-30T09:00:00Z", "is not a date and time"),
        ("2027-03-01T09:00:00", "needs an offset or Z"),
        ("", "is not a date and time"),
        (12345, "is not a date and time"),
        ("2" * 100, "is not a date and time"),
    ],
)
def test_unparseable_api_moments_name_the_field(value: object, message: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.parse_iso_moment(value)
    assert message in _errors(excinfo)["publish_at"][0]


def test_local_times_are_read_in_the_writers_zone_across_daylight_saving() -> None:
    winter = scheduling.parse_local_moment("2027-01-15T09:00", "Europe/Paris")
    summer = scheduling.parse_local_moment("2027-07-15T09:00", "Europe/Paris")
    assert winter == datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    assert summer == datetime(2027, 7, 15, 7, 0, tzinfo=UTC)
    assert scheduling.local_input_value(summer, "Europe/Paris") == "2027-07-15T09:00"
    assert scheduling.parse_local_moment("2027-01-15T09:00", None) == datetime(
        2027, 1, 15, 9, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("value", ["", "   ", "15/01/2027 09:00", "2027-01-15T25:00", "x" * 80])
def test_bad_local_times_name_the_field(value: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.parse_local_moment(value, "Europe/Paris")
    assert list(_errors(excinfo)) == ["publish_at"]


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "../../etc/passwd", "europe/paris"])
def test_unknown_time_zones_are_refused(session: Session, name: str) -> None:
    user = UserFactory()
    with pytest.raises(ValidationFailed) as excinfo:
        scheduling.set_time_zone(session, user, name)
    assert list(_errors(excinfo)) == ["time_zone"]
    assert user.time_zone is None


# --- publishing what is due --------------------------------------------------------------


def test_publish_due_publishes_each_due_draft_once_with_one_event_and_one_email(
    app: Flask, session: Session
) -> None:
    author = UserFactory(display_name="Ada")
    reader = follower_of(author, email="reader@example.test")
    due = scheduled_draft(author, at=NOW - timedelta(seconds=1), title="Due now")
    future = scheduled_draft(author, at=NOW + timedelta(minutes=1))
    session.commit()
    with counting_published() as published:
        assert scheduling.publish_due(session, NOW) == [due.slug]
        assert scheduling.publish_due(session, NOW) == []
    assert published.article_ids == [due.id]
    session.refresh(due)
    session.refresh(future)
    assert (due.status, due.publish_at) == (Status.PUBLISHED.value, None)
    assert due.published_at is not None
    assert (future.status, future.publish_at) == (Status.DRAFT.value, NOW + timedelta(minutes=1))
    mails = [m for m in outbox() if m.to == reader.email]
    assert len(mails) == 1
    assert "Due now" in mails[0].subject


def test_a_worker_back_from_downtime_catches_up_on_everything_overdue(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduling, "BATCH", 2)  # several batches in one run
    author = UserFactory()
    overdue = [scheduled_draft(author, at=NOW - timedelta(hours=h)) for h in (30, 5, 1, 2, 48)]
    session.commit()
    # Oldest moment first.
    by_moment = [a.slug for a in sorted(overdue, key=lambda a: a.publish_at or NOW)]
    with counting_published() as published:
        slugs = scheduling.publish_due(session, NOW)
    assert slugs == by_moment
    assert sorted(published.article_ids) == sorted(a.id for a in overdue)


def test_a_draft_emptied_after_scheduling_is_taken_off_the_schedule(session: Session) -> None:
    draft = scheduled_draft(at=NOW - timedelta(minutes=1))
    draft.body = ""  # as an older release, or a direct database edit, could leave it
    session.commit()
    with counting_published() as published:
        assert scheduling.publish_due(session, NOW) == []
    session.refresh(draft)
    assert (draft.status, draft.publish_at) == (Status.DRAFT.value, None)
    assert published.article_ids == []


def test_publishing_by_hand_ends_the_schedule_so_unpublishing_does_not_republish(
    session: Session,
) -> None:
    draft = scheduled_draft(at=NOW + timedelta(minutes=5))
    with unit_of_work(session):
        articles.publish_article(session, draft.author, draft)
    assert draft.publish_at is None
    with unit_of_work(session):
        articles.unpublish_article(session, draft.author, draft)
    assert scheduling.publish_due(session, NOW + timedelta(hours=1)) == []
    assert draft.status == Status.DRAFT.value


def test_a_cancelled_schedule_is_not_published(session: Session) -> None:
    draft = scheduled_draft(at=NOW + timedelta(minutes=5))
    with unit_of_work(session):
        scheduling.cancel_schedule(session, draft.author, draft, now=NOW)
    assert scheduling.publish_due(session, NOW + timedelta(hours=1)) == []


def test_the_scheduled_list_is_the_writers_own_soonest_first(session: Session) -> None:
    author = UserFactory()
    later = scheduled_draft(author, at=NOW + timedelta(days=2), title="Later")
    sooner = scheduled_draft(author, at=NOW + timedelta(days=1), title="Sooner")
    scheduled_draft(title="Someone else's")
    ArticleFactory(author=author, draft=True, title="Unscheduled")
    items = scheduling.scheduled_for(session, author)
    assert [i.title for i in items] == [sooner.title, later.title]


def test_anything_due_is_one_query(session: Session, count_queries: object) -> None:
    scheduled_draft(at=NOW + timedelta(minutes=1))
    session.flush()
    with count_queries() as counted:  # type: ignore[operator]
        assert scheduling.anything_due(session, NOW) is False
        assert scheduling.anything_due(session, NOW + timedelta(minutes=2)) is True
    assert counted.count == 2
    assert session.scalar(select(Article.id).where(Article.publish_at.is_not(None)))
