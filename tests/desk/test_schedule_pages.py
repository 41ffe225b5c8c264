"""Scheduling from the editor, the Scheduled page, the time-zone setting, and publishing
what is due at the start of requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.models import Article, Status, User, now_utc
from tests.desk.schedule_fixtures import *  # noqa: F403 - fixtures
from tests.desk.schedule_helpers import counting_published, scheduled_draft
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import csrf_token_from, text

PARIS = "Europe/Paris"


def _local(moment: datetime, zone: str = PARIS) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def _editor_fields(**fields: str) -> dict[str, str]:
    return {
        "title": "Spring issue",
        "description": "What comes in spring",
        "body": "Blossoms.",
        "tags": "",
        **fields,
    }


def _soon(days: int = 2) -> datetime:
    return (now_utc() + timedelta(days=days)).replace(second=0, microsecond=0)


def _reload(session: Session, article_id: int) -> Article:
    session.expire_all()
    article = session.get(Article, article_id)
    assert article is not None
    return article


# --- the editor -------------------------------------------------------------------------


def test_the_editor_offers_schedule_beside_publish(signed_in: FlaskClient) -> None:
    html = signed_in.get("/articles/new").get_data(as_text=True)
    assert 'type="datetime-local" id="publish_at" name="publish_at"' in html
    assert 'formaction="/articles/new/schedule"' in html
    assert 'name="browser_time_zone"' in html
    assert "js/schedule.js" in html


def test_a_new_article_is_scheduled_in_the_browsers_zone_which_becomes_the_setting(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    moment = _soon()
    response = signed_in.post(
        "/articles/new/schedule",
        data=_editor_fields(publish_at=_local(moment), browser_time_zone=PARIS),
    )
    assert response.status_code == 302, text(response)
    article = session.scalar(select(Article).where(Article.title == "Spring issue"))
    assert article is not None
    assert (article.status, article.publish_at) == (Status.DRAFT.value, moment)
    session.refresh(user)
    assert user.time_zone == PARIS
    page = signed_in.get(response.location)
    assert "Scheduled: “Spring issue” will be published on" in text(page)
    assert f'value="{_local(moment)}"' in page.get_data(as_text=True)


def test_saving_edits_and_scheduling_an_existing_draft_go_together(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    user.time_zone = "America/New_York"
    draft = ArticleFactory(author=user, draft=True)
    moment = _soon(3)
    response = signed_in.post(
        f"/articles/{draft.slug}/schedule",
        data=_editor_fields(publish_at=_local(moment, "America/New_York"), body="New words."),
    )
    assert response.status_code == 302
    draft = _reload(session, draft.id)
    assert (draft.publish_at, draft.body) == (moment, "New words.")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Publish date can't be blank"),
        ("next tuesday", "Publish date is not a date and time"),
        ("2001-01-01T09:00", "Publish date is in the past"),
        ("2099-01-01T09:00", "Publish date is too far ahead: at most 365 days from now"),
    ],
)
def test_bad_dates_in_the_editor_name_the_field_keep_the_text_and_change_nothing(
    signed_in: FlaskClient, session: Session, user: User, value: str, message: str
) -> None:
    draft = ArticleFactory(author=user, draft=True, body="Old words.")
    version = draft.version
    response = signed_in.post(
        f"/articles/{draft.slug}/schedule",
        data=_editor_fields(publish_at=value, body="Words typed meanwhile."),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in text(response)
    assert 'id="publish_at-error"' in html
    assert 'aria-invalid="true"' in html
    assert "Words typed meanwhile." in html  # nothing typed is lost
    draft = _reload(session, draft.id)
    assert (draft.publish_at, draft.body, draft.version) == (None, "Old words.", version)


def test_a_draft_without_a_body_cannot_be_scheduled_from_the_editor(
    signed_in: FlaskClient, session: Session
) -> None:
    response = signed_in.post(
        "/articles/new/schedule",
        data=_editor_fields(body="", publish_at=_local(_soon()), browser_time_zone=PARIS),
    )
    assert response.status_code == 422
    assert "Body can't be blank" in text(response)
    assert session.scalar(select(Article).where(Article.title == "Spring issue")) is None


def test_someone_elses_draft_cannot_be_scheduled(signed_in: FlaskClient, session: Session) -> None:
    other = ArticleFactory(draft=True)
    response = signed_in.post(
        f"/articles/{other.slug}/schedule", data=_editor_fields(publish_at=_local(_soon()))
    )
    assert response.status_code == 404  # a draft not yours does not exist for you
    assert _reload(session, other.id).publish_at is None


def test_cancel_from_the_editor(signed_in: FlaskClient, session: Session, user: User) -> None:
    draft = scheduled_draft(user, at=_soon())
    response = signed_in.post(f"/articles/{draft.slug}/unschedule", data=_editor_fields())
    assert response.status_code == 302
    assert _reload(session, draft.id).publish_at is None


# --- the Scheduled page -------------------------------------------------------------------


def test_the_scheduled_page_lists_whats_coming_in_the_writers_zone(
    signed_in: FlaskClient, user: User
) -> None:
    user.time_zone = PARIS
    moment = datetime(now_utc().year + 1, 1, 15, 8, 30, tzinfo=UTC)
    scheduled_draft(user, at=moment, title="Winter notes")
    ArticleFactory(author=user, draft=True, title="Just a draft")
    scheduled_draft(title="Not mine")
    page = signed_in.get("/me/scheduled")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    shown = text(page)
    assert "Winter notes" in shown
    assert "09:30" in shown  # 08:30 UTC is 09:30 in Paris in January
    assert "Times in Europe/Paris" in shown
    assert "Just a draft" not in shown
    assert "Not mine" not in shown
    assert 'href="/me/scheduled"' in signed_in.get("/me/articles").get_data(as_text=True)


def test_reschedule_and_cancel_on_the_scheduled_page(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    user.time_zone = PARIS
    draft = scheduled_draft(user, at=_soon(2))
    later = _soon(5)
    response = signed_in.post(
        f"/me/scheduled/{draft.slug}/reschedule", data={"publish_at": _local(later)}
    )
    assert response.status_code == 302
    assert _reload(session, draft.id).publish_at == later
    response = signed_in.post(f"/me/scheduled/{draft.slug}/cancel")
    assert response.status_code == 302
    assert _reload(session, draft.id).publish_at is None
    assert "Nothing is scheduled" in text(signed_in.get("/me/scheduled"))


def test_after_the_moment_passed_reschedule_and_cancel_say_so(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    draft = scheduled_draft(user, at=now_utc() - timedelta(seconds=5), title="Gone out")
    moment = draft.publish_at
    for path, data in (
        ("reschedule", {"publish_at": _local(_soon(), "UTC")}),
        ("cancel", {}),
    ):
        response = signed_in.post(f"/me/scheduled/{draft.slug}/{path}", data=data)
        assert response.status_code == 409
        assert "Publish date has passed: the article is being published now" in text(response)
        assert _reload(session, draft.id).publish_at == moment
    draft.status, draft.publish_at = Status.PUBLISHED.value, None
    draft.published_at = now_utc()
    response = signed_in.post(f"/me/scheduled/{draft.slug}/cancel")
    assert response.status_code == 409
    assert "has passed: the article is already published" in text(response)


@pytest.mark.parametrize("value", ["", "soon", "2001-01-01T00:00"])
def test_bad_reschedules_name_the_field_and_change_nothing(
    signed_in: FlaskClient, session: Session, user: User, value: str
) -> None:
    draft = scheduled_draft(user, at=_soon())
    moment = draft.publish_at
    response = signed_in.post(f"/me/scheduled/{draft.slug}/reschedule", data={"publish_at": value})
    assert response.status_code == 422
    assert "Publish date" in text(response)
    assert _reload(session, draft.id).publish_at == moment


def test_someone_else_cannot_cancel(signed_in: FlaskClient, session: Session) -> None:
    other = scheduled_draft(at=_soon())
    assert signed_in.post(f"/me/scheduled/{other.slug}/cancel").status_code == 404
    assert _reload(session, other.id).publish_at is not None


def test_the_scheduled_page_needs_sign_in(client: FlaskClient) -> None:
    assert client.get("/me/scheduled").status_code == 302


# --- the time-zone setting ----------------------------------------------------------------


def test_the_settings_page_offers_the_zones_and_saves_one(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    html = signed_in.get("/settings").get_data(as_text=True)
    assert '<select id="time_zone" name="time_zone"' in html
    assert '<option value="Pacific/Auckland"' in html
    assert 'data-chosen="false"' in html  # schedule.js suggests the browser's
    response = signed_in.post("/settings/time-zone", data={"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    session.refresh(user)
    assert user.time_zone == "Asia/Tokyo"


@pytest.mark.parametrize("name", ["", "Narnia/Cair_Paravel", "<script>"])
def test_an_unknown_zone_is_refused_clearly(
    signed_in: FlaskClient, session: Session, user: User, name: str
) -> None:
    response = signed_in.post("/settings/time-zone", data={"time_zone": name})
    assert response.status_code == 422
    assert "Time zone not saved: it is not a time zone name" in text(response)
    session.refresh(user)
    assert user.time_zone is None


# --- CSRF ----------------------------------------------------------------------------------


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"WTF_CSRF_ENABLED": True}

    def test_cancel_and_reschedule_need_the_token(
        self, signed_in: FlaskClient, session: Session, user: User
    ) -> None:
        draft = scheduled_draft(user, at=_soon())
        assert signed_in.post(f"/me/scheduled/{draft.slug}/cancel").status_code == 400
        assert signed_in.post(f"/articles/{draft.slug}/unschedule").status_code == 400
        assert _reload(session, draft.id).publish_at is not None
        token = csrf_token_from(signed_in.get("/me/scheduled"))
        response = signed_in.post(f"/me/scheduled/{draft.slug}/cancel", data={"csrf_token": token})
        assert response.status_code == 302
        assert _reload(session, draft.id).publish_at is None


# --- publishing at the start of requests --------------------------------------------------


class TestOnRequest:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"SCHEDULE_ON_REQUEST": True, "SCHEDULE_CHECK_SECONDS": 3600}

    def test_a_due_article_is_on_the_home_page_of_the_first_request_and_then_throttled(
        self, app: Flask, client: FlaskClient, session: Session
    ) -> None:
        author = UserFactory()
        due = scheduled_draft(author, at=now_utc() - timedelta(seconds=1), title="Right on time")
        with counting_published() as published:
            assert "Right on time" in text(client.get("/"))
            # Throttled: within SCHEDULE_CHECK_SECONDS this process does not look again.
            late = scheduled_draft(author, at=now_utc() - timedelta(seconds=1), title="Next one")
            assert "Next one" not in text(client.get("/"))
        assert published.article_ids == [due.id]
        assert _reload(session, late.id).status == Status.DRAFT.value

    def test_health_checks_never_publish(self, client: FlaskClient, session: Session) -> None:
        due = scheduled_draft(at=now_utc() - timedelta(seconds=1))
        assert client.get("/api/health").status_code == 200
        assert _reload(session, due.id).status == Status.DRAFT.value


def test_the_testing_profile_does_not_publish_on_request(
    client: FlaskClient, session: Session
) -> None:
    due = scheduled_draft(at=now_utc() - timedelta(seconds=1), title="Waits for the test")
    assert "Waits for the test" not in text(client.get("/"))
    assert _reload(session, due.id).status == Status.DRAFT.value


def test_flask_publish_due_publishes_what_is_due(app: Flask, session: Session) -> None:
    due = scheduled_draft(at=now_utc() - timedelta(seconds=1))
    session.commit()
    result = app.test_cli_runner().invoke(args=["publish-due"])
    assert result.exit_code == 0, result.output
    assert f"Published {due.slug}." in result.output
    assert "1 scheduled article(s) published." in result.output
    assert _reload(session, due.id).status == Status.PUBLISHED.value


def test_the_beat_task_publishes_what_is_due(app: Flask, session: Session) -> None:
    due = scheduled_draft(at=now_utc() - timedelta(seconds=1))
    session.commit()
    celery = app.extensions["celery"]
    assert celery.conf.beat_schedule["publish-due-articles"]["schedule"] == 30.0
    task = celery.tasks["folio.tasks.publish_due_articles"]
    assert task.apply().get() == [due.slug]
    assert _reload(session, due.id).status == Status.PUBLISHED.value


def test_a_published_articles_editor_offers_no_schedule_but_shares_its_update(
    signed_in: FlaskClient, user: User
) -> None:
    article = ArticleFactory(author=user)
    html = signed_in.get(f"/articles/{article.slug}/edit").get_data(as_text=True)
    assert 'id="publish_at"' not in html
    assert "Share your update" in html


def test_the_settings_page_loads_the_script_that_suggests_the_browsers_zone(
    signed_in: FlaskClient,
) -> None:
    assert "js/schedule.js" in signed_in.get("/settings").get_data(as_text=True)
