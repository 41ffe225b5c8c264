"""The unit of work and domain events: effects after the commit, wherever the write ran."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.events import ArticlePublished
from folio.core import events
from folio.core.uow import unit_of_work
from folio.extensions import db
from folio.mail import outbox
from folio.models import Follow
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture
def heard() -> Any:
    """The ArticlePublished events dispatched during the test."""
    seen: list[events.DomainEvent] = []
    events.subscribe(seen.append, ArticlePublished)
    yield seen
    events.happened.disconnect(events._receivers.pop((seen.append, ArticlePublished)))


def test_events_are_dispatched_after_the_commit_only(session: Session, heard: list) -> None:
    author = UserFactory()
    draft = ArticleFactory(author=author, draft=True)
    with unit_of_work(session):
        articles.publish_article(session, author, draft)
        assert heard == []  # recorded, not yet dispatched
    assert [event.article_id for event in heard] == [draft.id]
    assert heard[0].name == "article.published"


def test_a_rollback_drops_the_events(session: Session, heard: list) -> None:
    author = UserFactory()
    draft = ArticleFactory(author=author, draft=True)
    session.commit()

    def publish_then_fail() -> None:
        with unit_of_work(session):
            articles.publish_article(session, author, draft)
            raise RuntimeError("fails after the rule")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    with unit_of_work(session):
        pass
    assert heard == []
    assert not article_queries.find_article(session, draft.slug).is_published


def test_a_nested_unit_of_work_joins_the_outer_one(session: Session, heard: list) -> None:
    author = UserFactory()
    draft = ArticleFactory(author=author, draft=True)
    with unit_of_work(session):
        with unit_of_work(session):
            articles.publish_article(session, author, draft)
        assert heard == []  # the inner block neither committed nor dispatched
    assert len(heard) == 1


def test_a_failing_subscriber_does_not_stop_the_others(session: Session, heard: list) -> None:
    def broken(_event: events.DomainEvent) -> None:
        raise RuntimeError("a subscriber bug")

    events.subscribe(broken, ArticlePublished)
    try:
        author = UserFactory()
        draft = ArticleFactory(author=author, draft=True)
        with unit_of_work(session):
            articles.publish_article(session, author, draft)
    finally:
        events.happened.disconnect(events._receivers.pop((broken, ArticlePublished)))
    assert len(heard) == 1


def _author_with_a_follower(app: Flask) -> tuple[str, str]:
    with app.app_context():
        author = UserFactory(display_name="Grace")
        follower = UserFactory()
        db.session.add(Follow(follower_id=follower.id, followee_id=author.id))
        slug = ArticleFactory(author=author, draft=True, title="Compilers").slug
        db.session.commit()
        return slug, follower.email


def test_publishing_from_a_flask_command_mails_the_followers(app: Flask) -> None:
    slug, follower_email = _author_with_a_follower(app)
    result = app.test_cli_runner().invoke(args=["publish", slug])
    assert result.exit_code == 0, result.output
    with app.app_context():
        sent = list(outbox())
        assert article_queries.find_article(db.session(), slug).is_published
    assert [m.to for m in sent] == [follower_email]
    assert "Grace published" in sent[0].subject


def test_publishing_from_a_celery_task_mails_the_followers_once(app: Flask) -> None:
    slug, follower_email = _author_with_a_follower(app)
    task = app.extensions["celery"].tasks["folio.tasks.publish_article"]
    assert task.apply(args=[slug]).get() is True
    assert task.apply(args=[slug]).get() is False  # a redelivery publishes nothing again
    with app.app_context():
        sent = list(outbox())
    assert [m.to for m in sent] == [follower_email]


def test_publishing_an_unknown_slug_from_the_command_is_a_clear_error(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["publish", "no-such-article"])
    assert result.exit_code != 0
    assert "no-such-article" in result.output


@pytest.mark.parametrize("app_overrides", [{"LIST_TOTALS_TTL": 60}])
def test_the_feed_total_is_right_just_after_a_follow(app: Flask, client: Any) -> None:
    with app.app_context():
        author = UserFactory()
        reader = UserFactory(email="reader@example.com")
        ArticleFactory(author=author)
        db.session.commit()
        author_name = author.username
        del reader
    login = client.post(
        "/api/users/login",
        json={"user": {"email": "reader@example.com", "password": TEST_PASSWORD}},
    )
    headers = {"Authorization": f"Token {login.get_json()['user']['token']}"}
    before = client.get("/api/articles/feed", headers=headers).get_json()
    assert (len(before["articles"]), before["articlesCount"]) == (0, 0)
    assert client.post(f"/api/profiles/{author_name}/follow", headers=headers).status_code == 200
    after = client.get("/api/articles/feed", headers=headers).get_json()
    assert (len(after["articles"]), after["articlesCount"]) == (1, 1)
