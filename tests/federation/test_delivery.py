"""Publishing outward: Create, Update and Delete to every follower inbox (shared inboxes
once), signed; retries with exponential backoff, giving up on dead hosts; tombstones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import rules as articles
from folio.core.uow import unit_of_work
from folio.federation import delivery, rules
from folio.federation import remote as federation_remote
from folio.federation.documents import PUBLIC
from folio.federation.models import Delivery, RemoteActor
from folio.models import Article, User, now_utc
from tests.factories import UserFactory
from tests.federation.conftest import RemoteServer
from tests.web.helpers import sign_in_through_the_session, text

AP = "application/activity+json"


def add_followers(session: Session, remote: RemoteServer, user: User, *names: str) -> None:
    for name in names:
        remote.add_actor(name)
        with unit_of_work():
            actor = federation_remote.get_actor(f"{remote.url}/users/{name}")
            rules.add_follower(session, user, actor, f"{actor.uri}#follows/1")


def publish(session: Session, user: User, title: str = "Hello fediverse") -> Article:
    with unit_of_work() as uow:
        article = articles.create_article(
            uow.session, user, title=title, description="A greeting",
            body="Hello **everyone**.", tags=["hello"], publish=True,
        )  # fmt: skip
    return article


@pytest.fixture
def followed(session: Session, remote: RemoteServer, alice: User) -> User:
    add_followers(session, remote, alice, "bob", "carol")
    return alice


def test_publishing_sends_one_signed_create_per_shared_inbox(
    fed_app: Flask, session: Session, remote: RemoteServer, followed: User
) -> None:
    article = publish(session, followed)
    queued = session.scalars(select(Delivery)).all()
    assert [(d.activity_type, d.inbox, d.state) for d in queued] == [
        ("Create", f"{remote.url}/inbox", "pending")  # bob and carol share one inbox
    ]
    assert delivery.deliver_due() == 1
    (create,) = remote.received
    assert create.path == "/inbox"
    assert create.body["type"] == "Create"
    assert create.body["to"] == [PUBLIC]
    assert create.body["object"]["type"] == "Article"
    assert create.body["object"]["id"] == f"http://localhost/articles/{article.slug}"
    assert "<strong>everyone</strong>" in create.body["object"]["content"]
    assert 'keyId="http://localhost/users/alice#main-key"' in create.headers["Signature"]
    session.expire_all()
    assert session.scalars(select(Delivery)).one().state == "delivered"
    assert delivery.deliver_due() == 0  # nothing sent twice


def test_an_author_without_remote_followers_queues_nothing(
    fed_app: Flask, session: Session, alice: User
) -> None:
    publish(session, alice)
    assert session.scalars(select(Delivery)).all() == []


def test_an_edit_sends_update_and_unpublish_sends_delete_then_a_tombstone(
    fed_app: Flask, client: FlaskClient, session: Session, remote: RemoteServer, followed: User
) -> None:
    article = publish(session, followed)
    with unit_of_work() as uow:
        articles.update_article(uow.session, followed, article, {"body": "Edited **body**."})
    with unit_of_work() as uow:
        articles.unpublish_article(uow.session, followed, article)
    delivery.deliver_due()
    kinds = [posted.body["type"] for posted in remote.received]
    assert sorted(kinds) == ["Create", "Delete", "Update"]
    update = next(p.body for p in remote.received if p.body["type"] == "Update")
    assert "Edited <strong>body</strong>" in update["object"]["content"]
    deleted = next(p.body for p in remote.received if p.body["type"] == "Delete")
    assert deleted["object"] == {
        "id": f"http://localhost/articles/{article.slug}",
        "type": "Tombstone",
    }
    gone = client.get(f"/articles/{article.slug}", headers={"Accept": AP})
    assert gone.status_code == 410
    assert gone.get_json()["type"] == "Tombstone"
    # Published again: the document is back.
    with unit_of_work() as uow:
        articles.publish_article(uow.session, followed, article)
    assert client.get(f"/articles/{article.slug}", headers={"Accept": AP}).status_code == 200


def test_deleting_sends_delete_and_leaves_a_tombstone(
    fed_app: Flask, client: FlaskClient, session: Session, remote: RemoteServer, followed: User
) -> None:
    article = publish(session, followed)
    slug = article.slug
    with unit_of_work() as uow:
        articles.delete_article(uow.session, followed, article)
    delivery.deliver_due()
    assert [p.body["type"] for p in remote.received] == ["Create", "Delete"]
    assert client.get(f"/articles/{slug}", headers={"Accept": AP}).status_code == 410


def test_a_failing_inbox_is_retried_with_growing_pauses_then_given_up(
    fed_app: Flask, session: Session, remote: RemoteServer, followed: User
) -> None:
    remote.inbox_status = 503
    publish(session, followed)
    delivery.deliver_due()
    item = session.scalars(select(Delivery)).one()
    session.refresh(item)
    assert item.state == "pending"
    assert item.attempts == 1
    assert item.last_error == "answered 503"
    first_wait = item.next_attempt_at - now_utc()
    assert timedelta(seconds=50) < first_wait <= timedelta(seconds=60)
    # Due again: the next pause is twice as long.
    item.next_attempt_at = now_utc() - timedelta(seconds=1)
    session.commit()
    delivery.deliver_due()
    session.refresh(item)
    assert item.attempts == 2
    assert timedelta(seconds=110) < item.next_attempt_at - now_utc() <= timedelta(seconds=120)
    # Days later the host is given up, and new deliveries to it are not even tried.
    item.created_at = now_utc() - timedelta(days=8)
    item.next_attempt_at = now_utc() - timedelta(seconds=1)
    session.commit()
    delivery.deliver_due()
    session.refresh(item)
    assert item.state == "dead"
    publish(session, followed, "Another one")
    newest = session.scalars(select(Delivery).order_by(Delivery.id.desc())).first()
    assert newest is not None
    assert newest.state == "dead"
    assert delivery.deliver_due() == 0


def test_a_refusal_is_not_retried(
    fed_app: Flask, session: Session, remote: RemoteServer, followed: User
) -> None:
    remote.inbox_status = 401
    publish(session, followed)
    delivery.deliver_due()
    assert session.scalars(select(Delivery)).one().state == "failed"


def test_an_unreachable_inbox_is_retried(
    fed_app: Flask, session: Session, remote: RemoteServer, followed: User
) -> None:
    actor = session.scalars(select(RemoteActor)).first()
    assert actor is not None
    for each in session.scalars(select(RemoteActor)):
        each.shared_inbox = "http://127.0.0.1:9/inbox"  # nothing listens on the discard port
    session.commit()
    publish(session, followed)
    delivery.deliver_due()
    item = session.scalars(select(Delivery)).one()
    assert item.state == "pending"
    assert item.attempts == 1


def test_the_author_and_an_admin_see_the_delivery_state(
    fed_app: Flask, client: FlaskClient, session: Session, remote: RemoteServer, followed: User
) -> None:
    publish(session, followed)
    delivery.deliver_due()
    sign_in_through_the_session(client, followed)
    page = text(client.get("/federation/deliveries"))
    assert "Create" in page
    assert "Delivered" in page
    assert f"{remote.url}/inbox" in page
    other = UserFactory(username="other")
    sign_in_through_the_session(client, other)
    assert "Delivered" not in text(client.get("/federation/deliveries"))
    admin = UserFactory(username="root", admin=True)
    sign_in_through_the_session(client, admin)
    assert "Delivered" in text(client.get("/federation/deliveries"))


def test_the_due_runner_command(
    fed_app: Flask, session: Session, remote: RemoteServer, followed: User
) -> None:
    publish(session, followed)
    session.commit()
    result = fed_app.test_cli_runner().invoke(args=["federation", "deliver-due"])
    assert result.exit_code == 0, result.output
    assert "1 deliveries sent or queued" in result.output
    assert [p.body["type"] for p in remote.received] == ["Create"]


def test_the_beat_schedule_runs_the_due_runner(fed_app: Flask) -> None:
    schedule = fed_app.extensions["celery"].conf.beat_schedule
    assert schedule["federation-deliver-due"]["task"] == "folio.tasks.federation_deliver_due"


def test_with_a_broker_each_delivery_is_a_celery_task(
    fed_app: Flask, session: Session, remote: RemoteServer, followed: User, monkeypatch
) -> None:
    queued: list[tuple[str, tuple]] = []
    celery = fed_app.extensions["celery"]
    assert "folio.tasks.federation_deliver" in celery.tasks
    monkeypatch.setattr(delivery, "has_worker", lambda: True)
    monkeypatch.setattr("folio.tasks.run_task", lambda name, *args: queued.append((name, args)))
    publish(session, followed)
    (delivery_id,) = [args[0] for name, args in queued if name == "federation_deliver"]
    assert remote.received == []  # nothing sent in the caller
    # What the worker runs:
    celery.tasks["folio.tasks.federation_deliver"].apply(args=(delivery_id,))
    assert [p.body["type"] for p in remote.received] == ["Create"]


def test_without_a_worker_due_retries_go_out_after_a_response(
    fed_app: Flask, client: FlaskClient, session: Session, remote: RemoteServer, followed: User
) -> None:
    remote.inbox_status = 503
    publish(session, followed)
    delivery.deliver_due()
    item = session.scalars(select(Delivery)).one()
    item.next_attempt_at = now_utc() - timedelta(seconds=1)
    session.commit()
    remote.inbox_status = 202
    fed_app.config["FEDERATION_DELIVER_IMMEDIATELY"] = True
    delivery._retry_throttle.next_run = 0.0
    response = client.get("/")
    assert [p.body["type"] for p in remote.received] == ["Create"]  # not during the request
    response.close()  # the server closes the response once it is sent
    assert [p.body["type"] for p in remote.received] == ["Create", "Create"]
    session.refresh(item)
    assert item.state == "delivered"
    # Throttled: the next response does not run it again.
    assert delivery._retry_throttle.due(60.0) is False
