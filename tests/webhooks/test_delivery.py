"""From a change to a signed request: the subscriber, the claim, retries, disabling.

Outside a request (as here) deliveries go out at once; a real receiver on 127.0.0.1
records what arrives and the signatures are checked with the standardwebhooks package.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from folio.accounts import rules as accounts
from folio.articles import rules as articles
from folio.comments import rules as comments
from folio.core.uow import unit_of_work
from folio.mail import outbox
from folio.models import User
from folio.webhooks import rules
from folio.webhooks.models import Scope, WebhookDelivery, WebhookEndpoint
from folio.webhooks.runner import deliver_due, deliver_now, outbound_policy, webhook_settings
from tests.factories import ArticleFactory, UserFactory
from tests.webhooks.conftest import ALLOW_LOOPBACK
from tests.webhooks.receiver import Receiver


def add_endpoint(
    owner: User, url: str, events: list[str], scope: Scope = Scope.OWN
) -> WebhookEndpoint:
    with unit_of_work() as uow:
        return rules.create_endpoint(
            uow.session,
            owner,
            url=url,
            events=events,
            scope=scope,
            policy=outbound_policy(),
            settings=webhook_settings(),
        )


def publish_new(author: User, title: str = "Hooked on webhooks") -> str:
    with unit_of_work() as uow:
        article = articles.create_article(
            uow.session, author, title=title, description="About hooks", body="Body.", publish=True
        )
        return article.slug


def deliveries(session: Session) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_published_article_reaches_its_writers_endpoint_signed(
    session: Session, writer: User, receiver: Receiver
) -> None:
    endpoint = add_endpoint(writer, receiver.url, ["article.published"])
    slug = publish_new(writer)

    (received,) = receiver.wait_for(1)
    payload = received.verify(endpoint.secret)
    assert payload["type"] == "article.published"
    assert payload["data"] == {
        "slug": slug,
        "title": "Hooked on webhooks",
        "url": f"http://localhost/articles/{slug}",
        "author": "wendy",
        "status": "published",
    }
    assert received.headers["webhook-id"] == payload["id"]
    assert payload["timestamp"].endswith("Z")
    (delivery,) = deliveries(session)
    assert delivery.state == "delivered"
    (attempt,) = delivery.attempts
    assert (attempt.succeeded, attempt.status_code) == (True, 200)
    assert attempt.response_snippet == '{"ok": true}'
    assert attempt.latency_ms >= 0


def test_a_wrong_secret_does_not_verify(session: Session, writer: User, receiver: Receiver) -> None:
    add_endpoint(writer, receiver.url, ["article.published"])
    publish_new(writer)
    (received,) = receiver.wait_for(1)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(received.body, received.headers)


def test_own_endpoints_hear_only_their_writers_articles_and_site_ones_hear_all(
    session: Session, writer: User, admin: User, receiver: Receiver
) -> None:
    other = UserFactory(username="otto")
    own = add_endpoint(writer, receiver.url + "?own", ["article.published"])
    site = add_endpoint(admin, receiver.url + "?site", ["article.published"], Scope.SITE)
    publish_new(other, "Not Wendy's")

    (received,) = receiver.wait_for(1)
    assert received.path.endswith("?site")
    assert received.verify(site.secret)["data"]["author"] == "otto"
    assert not session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == own.id)
    ).all()


def test_comments_and_registrations_map_to_their_event_types(
    session: Session, writer: User, admin: User, receiver: Receiver
) -> None:
    article = ArticleFactory(author=writer)
    reader = UserFactory(username="reader")
    own = add_endpoint(writer, receiver.url, ["comment.created", "comment.deleted"])
    site = add_endpoint(admin, receiver.url, ["user.registered"], Scope.SITE)
    with unit_of_work() as uow:
        comment = comments.add_comment(uow.session, reader, article, "Nice <b>post</b>")
    with unit_of_work() as uow:
        comments.delete_comment(uow.session, reader, article, comment.id)
    with unit_of_work() as uow:
        accounts.register(
            uow.session, username="newbie", email="newbie@example.com", password="a fine passphrase"
        )

    created, deleted, registered = receiver.wait_for(3)
    assert created.verify(own.secret)["data"] == {
        "id": comment.id,
        "article": article.slug,
        "author": "reader",
        "body": "Nice <b>post</b>",
    }
    assert deleted.verify(own.secret)["type"] == "comment.deleted"
    assert registered.verify(site.secret)["data"] == {"username": "newbie"}


def test_saving_a_draft_sends_nothing_and_changing_a_published_article_does(
    session: Session, writer: User, receiver: Receiver
) -> None:
    endpoint = add_endpoint(writer, receiver.url, ["article.updated"])
    draft = ArticleFactory(author=writer, draft=True)
    published = ArticleFactory(author=writer)
    with unit_of_work() as uow:
        articles.update_article(uow.session, writer, draft, {"body": "Still thinking."})
    with unit_of_work() as uow:
        articles.update_article(uow.session, writer, published, {"body": "Corrected."})
    (received,) = receiver.wait_for(1)
    assert received.verify(endpoint.secret)["data"]["slug"] == published.slug
    assert len(deliveries(session)) == 1


def test_an_article_deleted_is_sent_with_its_slug(
    session: Session, writer: User, receiver: Receiver
) -> None:
    endpoint = add_endpoint(writer, receiver.url, ["article.deleted"])
    article = ArticleFactory(author=writer)
    slug = article.slug
    with unit_of_work() as uow:
        articles.delete_article(uow.session, writer, article)
    (received,) = receiver.wait_for(1)
    data = received.verify(endpoint.secret)["data"]
    assert (data["slug"], data["status"], data["author"]) == (slug, "deleted", "wendy")


def test_an_event_fans_out_once_and_a_delivery_is_sent_once(
    session: Session, writer: User, receiver: Receiver
) -> None:
    endpoint = add_endpoint(writer, receiver.url, ["article.published"])
    with unit_of_work() as uow:
        again = rules.fan_out(uow.session, [endpoint], "evt-1", "article.published", "{}")
        twice = rules.fan_out(uow.session, [endpoint], "evt-1", "article.published", "{}")
    assert len(again) == 1
    assert twice == []
    (delivery_id,) = again
    with unit_of_work() as uow:
        first = rules.claim(uow.session, delivery_id, webhook_settings())
        second = rules.claim(uow.session, delivery_id, webhook_settings())
    assert first is not None
    assert second is None
    # A redelivered task message (or a second worker) finds it claimed, then done.
    assert deliver_now(delivery_id) == "skipped"
    assert receiver.requests == []


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {
        **ALLOW_LOOPBACK,
        "WEBHOOK_RETRY_DELAYS": (0, 0, 0),
        "WEBHOOK_DISABLE_AFTER_FAILURES": 6,
    }


def test_a_receiver_answering_500_forever_gets_bounded_retries_then_is_switched_off(
    app: Flask, session: Session, writer: User, receiver: Receiver
) -> None:
    receiver.status, receiver.answer = 500, b"<h1>Internal error</h1>"
    endpoint = add_endpoint(writer, receiver.url, ["article.published", "article.updated"])
    publish_new(writer, "First")
    for _ in range(5):
        deliver_due()
    (first,) = deliveries(session)
    # One attempt and three retries (WEBHOOK_RETRY_DELAYS), then it gives up.
    assert (first.state, len(first.attempts)) == ("failed", 4)
    assert [a.status_code for a in first.attempts] == [500] * 4
    assert first.attempts[0].response_snippet == "<h1>Internal error</h1>"
    assert endpoint.enabled

    publish_new(writer, "Second")
    deliver_due()
    session.refresh(endpoint)
    assert not endpoint.enabled
    assert "6 failed attempts" in (endpoint.disabled_reason or "")
    (mail,) = [m for m in outbox() if m.to == "wendy@example.com"]
    assert "switched off" in mail.subject
    assert f"/settings/webhooks/{endpoint.id}" in mail.body
    # Switched off: the due deliveries wait, nothing more is sent.
    sent = len(receiver.requests)
    assert deliver_due() == {}
    assert len(receiver.requests) == sent


def test_a_hanging_receiver_times_out_and_the_retry_is_scheduled(
    session: Session, writer: User, receiver: Receiver
) -> None:
    receiver.hang_seconds = 5
    add_endpoint(writer, receiver.url, ["article.published"])
    started = datetime.now(UTC)
    publish_new(writer)
    assert datetime.now(UTC) - started < timedelta(seconds=4)
    (delivery,) = deliveries(session)
    (attempt,) = delivery.attempts
    assert attempt.status_code is None
    assert "timed out" in (attempt.error or "")
    assert delivery.state == "pending"


def test_a_redelivery_is_a_new_chain_with_the_same_webhook_id(
    session: Session, writer: User, receiver: Receiver
) -> None:
    receiver.status = 503
    endpoint = add_endpoint(writer, receiver.url, ["article.published"])
    publish_new(writer)
    for _ in range(5):
        deliver_due()
    (delivery,) = deliveries(session)
    assert delivery.state == "failed"
    receiver.status = 204
    with unit_of_work() as uow:
        rules.redeliver(uow.session, writer, delivery)
    assert deliver_now(delivery.id) == "delivered"
    first, last = receiver.requests[0], receiver.requests[-1]
    assert first.headers["webhook-id"] == last.headers["webhook-id"]
    assert last.body == first.body
    last.verify(endpoint.secret)
    session.refresh(delivery)
    assert delivery.state == "delivered"
    assert delivery.chain_attempts == 1


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    session: Session, writer: User, receiver: Receiver
) -> None:
    endpoint = add_endpoint(writer, receiver.url, ["article.published"])
    old = endpoint.secret
    with unit_of_work() as uow:
        rules.rotate_secret(uow.session, writer, endpoint, webhook_settings())
    new = endpoint.secret
    assert new != old
    publish_new(writer, "During the overlap")
    (during,) = receiver.wait_for(1)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    during.verify(old)
    during.verify(new)

    endpoint.previous_secret_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    publish_new(writer, "After the overlap")
    after = receiver.wait_for(2)[-1]
    after.verify(new)
    with pytest.raises(WebhookVerificationError):
        after.verify(old)


def test_the_secret_is_a_standard_webhooks_secret(session: Session, writer: User) -> None:
    endpoint = add_endpoint(writer, "http://127.0.0.1:9/hook", ["article.published"])
    assert endpoint.secret.startswith("whsec_")
    Webhook(endpoint.secret)  # parses: base64 of 32 bytes


def test_the_guard_is_asked_again_when_sending(
    app: Flask, session: Session, writer: User, receiver: Receiver
) -> None:
    # Saved while loopback was allowed; by the time it is sent, the guard refuses it.
    add_endpoint(writer, receiver.url.replace("http://", "https://"), ["article.published"])
    app.config["OUTBOUND_ALLOW_PRIVATE_ADDRESSES"] = False
    publish_new(writer)
    (delivery,) = deliveries(session)
    (attempt,) = delivery.attempts
    assert "non-public address" in (attempt.error or "")
    assert receiver.requests == []
    assert delivery.state == "pending"


def test_a_deactivated_writers_webhooks_stay_quiet(
    session: Session, writer: User, admin: User, receiver: Receiver
) -> None:
    add_endpoint(writer, receiver.url, ["article.unpublished"])
    article = ArticleFactory(author=writer)
    with unit_of_work() as uow:
        accounts.deactivate(uow.session, admin, writer)
    with unit_of_work() as uow:
        articles.unpublish_article(uow.session, admin, article)
    assert deliveries(session) == []
    assert receiver.requests == []
