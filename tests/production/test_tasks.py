"""Celery tasks: eager without a broker, queued only after a unit of work commits,
idempotent emails; the same effects from a request, a command and a task."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.comments import rules as comments
from folio.core.uow import unit_of_work
from folio.extensions import db
from folio.mail import outbox
from folio.models import Follow
from folio.notifications import unsubscribe_token
from folio.tasks import mail_once, run_task
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture
def app_overrides() -> dict[str, object]:
    # Links in mail come from PUBLIC_URL alone, never from the request's host.
    return {"PUBLIC_URL": "https://folio.example"}


def test_without_a_broker_tasks_run_eagerly(app: Flask) -> None:
    celery = app.extensions["celery"]
    assert celery.conf.task_always_eager is True
    assert celery.conf.task_acks_late is True
    assert celery.conf.task_reject_on_worker_lost is True


def test_with_redis_the_broker_is_redis(database_url: str) -> None:
    from folio import create_app

    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    celery = app.extensions["celery"]
    assert celery.conf.task_always_eager is False
    assert celery.conf.broker_url == "redis://127.0.0.1:1/0"


def test_the_worker_entry_point_builds_the_app_only_when_asked(tmp_path: Path) -> None:
    # `celery -A folio.tasks worker` reads folio.tasks.app; a plain import builds nothing.
    code = (
        "import folio.tasks as t\n"
        "assert t._worker_app is None\n"
        "from celery import Celery\n"
        "assert isinstance(t.app, Celery) and t.app is t.celery\n"
        "assert 'folio.tasks.notify_comment' in t.app.tasks\n"
        "print(t.app.conf.task_always_eager)\n"
    )
    env = {
        **os.environ,
        "FOLIO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


def test_a_comment_mails_the_author_after_the_commit(app: Flask) -> None:
    with app.test_request_context("/", base_url="https://folio.example"):
        session = db.session()
        author, reader = UserFactory(), UserFactory()
        article = ArticleFactory(author=author, title="Tides")
        session.commit()
        with unit_of_work(session):
            comments.add_comment(session, reader, article, "Lovely piece")
            session.flush()
            assert outbox() == []  # nothing before the commit
        sent = list(outbox())
        # Commenting on your own article tells nobody.
        with unit_of_work(session):
            comments.add_comment(session, author, article, "Thanks!")
        assert len(outbox()) == 1
        assert [m.to for m in sent] == [author.email]
    assert "Lovely piece" in sent[0].body
    assert "https://folio.example/articles/" in sent[0].body
    assert sent[0].headers["List-Unsubscribe"].startswith("<https://folio.example/unsubscribe/")


def test_a_rolled_back_request_queues_nothing(app: Flask) -> None:
    with app.test_request_context("/"):
        session = db.session()
        author, reader = UserFactory(), UserFactory()
        article = ArticleFactory(author=author)
        session.commit()

        def comment_then_fail() -> None:
            with unit_of_work(session):
                comments.add_comment(session, reader, article, "Never saved")
                session.flush()
                raise RuntimeError("the request failed")

        with pytest.raises(RuntimeError):
            comment_then_fail()
        # A later unit of work in the same request must not send the dropped email either.
        with unit_of_work(session):
            pass
        assert outbox() == []


@pytest.mark.fresh_app
def test_a_failing_request_enqueues_nothing_through_the_error_policy(app: Flask) -> None:
    @app.get("/boom-after-comment")
    def boom():
        session = db.session()
        user, article = UserFactory(), ArticleFactory()
        comments.add_comment(session, user, article, "Lost with the request")
        raise RuntimeError("forced")

    response = app.test_client().get("/boom-after-comment")
    assert response.status_code == 500
    with app.app_context():
        assert outbox() == []


def test_publishing_mails_followers_who_want_it(app: Flask) -> None:
    with app.test_request_context("/", base_url="https://folio.example"):
        session = db.session()
        author = UserFactory(display_name="Ada")
        keen, quiet = UserFactory(), UserFactory(email_notifications=False)
        session.add_all(
            [
                Follow(follower_id=keen.id, followee_id=author.id),
                Follow(follower_id=quiet.id, followee_id=author.id),
            ]
        )
        draft = ArticleFactory(author=author, draft=True, title="Engines")
        session.commit()
        assert outbox() == []  # a draft notifies nobody
        draft = article_queries.get_article(session, author, draft.slug)
        with unit_of_work(session):
            articles.publish_article(session, author, draft)
        sent = list(outbox())
        assert [m.to for m in sent] == [keen.email]
    assert "Ada published" in sent[0].subject
    assert "/unsubscribe/" in sent[0].body


def test_the_same_email_is_not_sent_twice(app: Flask) -> None:
    with app.app_context():
        assert mail_once("k1", "a@example.test", "Hi", "Body") is True
        assert mail_once("k1", "a@example.test", "Hi", "Body") is False
        assert len(outbox()) == 1


def test_a_failed_send_can_be_retried(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import folio.mail

    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(folio.mail, "send_mail", flaky)
    with app.app_context():
        with pytest.raises(ConnectionRefusedError):
            mail_once("k2", "a@example.test", "Hi", "Body")
        assert mail_once("k2", "a@example.test", "Hi", "Body") is True
    assert len(calls) == 2


def test_password_reset_task_mails_a_working_link(app: Flask) -> None:
    with app.test_request_context("/", base_url="https://folio.example"):
        user = UserFactory()
        db.session.commit()
        run_task("send_password_reset", user.id, "https://folio.example/", "req-1")
        (message,) = outbox()
        assert message.to == user.email
    assert "https://folio.example/auth/reset/" in message.body


def test_unsubscribe_link_turns_notifications_off(app: Flask) -> None:
    client = app.test_client()
    with app.app_context():
        user = UserFactory()
        db.session.commit()
        token = unsubscribe_token(user)
        user_id = user.id
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert b"Unsubscribe" in page.data
    assert page.headers["Cache-Control"] == "no-store"
    done = client.post(f"/unsubscribe/{token}")
    assert done.status_code == 200
    with app.app_context():
        assert db.session.get(type(user), user_id).email_notifications is False


def test_a_forged_unsubscribe_token_is_a_404(client) -> None:
    assert client.post("/unsubscribe/eyJ1IjoxfQ.forged").status_code == 404


def test_comments_through_the_apis_notify_too(app: Flask) -> None:
    # The trigger sits on the session, so no face can forget it.
    with app.app_context():
        author = UserFactory(username="apiauthor", email="apiauthor@example.com")
        UserFactory(username="apireader", email="apireader@example.com")
        slug = ArticleFactory(author=author).slug
        db.session.commit()
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/tokens", json={"email": "apireader@example.com", "password": TEST_PASSWORD}
    ).get_json()["access_token"]
    v1 = client.post(
        f"/api/v1/articles/{slug}/comments",
        json={"body": "Via v1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert v1.status_code == 201
    realworld = client.post(
        f"/api/articles/{slug}/comments",
        json={"comment": {"body": "Via RealWorld"}},
        headers={"Authorization": f"Token {token}"},
    )
    assert realworld.status_code in (200, 201)
    with app.app_context():
        bodies = [m.body for m in outbox() if m.to == "apiauthor@example.com"]
    assert len(bodies) == 2
    assert "Via v1" in bodies[0]
    assert "Via RealWorld" in bodies[1]


def test_an_eager_reset_email_does_not_wait_on_the_requests_own_lock(tmp_path: Path) -> None:
    # Real connections on a SQLite file (no shared test connection): the view's POST holds
    # SQLite's write lock until it commits, so a task run before that commit would wait
    # on it for the whole busy timeout and fail.
    from flask_migrate import upgrade

    from folio import create_app

    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'real.db'}",
            "SQLITE_BUSY_TIMEOUT_MS": 1000,
        },
    )
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
        UserFactory(username="locked", email="locked@example.com")
        db.session.commit()
    response = app.test_client().post("/auth/reset", data={"email": "locked@example.com"})
    assert response.status_code == 302
    with app.app_context():
        assert [m.to for m in outbox()] == ["locked@example.com"]
