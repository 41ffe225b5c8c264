"""The webhook pages: /settings/webhooks for a writer, /admin/webhooks for the site."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.core.uow import unit_of_work
from folio.models import User
from folio.webhooks import rules
from folio.webhooks.models import Scope, WebhookDelivery, WebhookEndpoint
from folio.webhooks.runner import outbound_policy, webhook_settings
from tests.factories import UserFactory
from tests.web.helpers import field_error, sign_in_through_the_session, text
from tests.webhooks.receiver import Receiver

EVENTS = ["article.published", "comment.created"]


def add_through_the_page(client: FlaskClient, url: str, prefix: str = "/settings") -> Any:
    return client.post(
        f"{prefix}/webhooks", data={"url": url, "description": "CI", "events": EVENTS}
    )


def only_endpoint(session: Session) -> WebhookEndpoint:
    return session.scalars(select(WebhookEndpoint)).one()


def test_settings_link_to_the_webhooks_page(writer_client: FlaskClient) -> None:
    settings = writer_client.get("/settings")
    assert 'href="/settings/webhooks"' in settings.get_data(as_text=True)
    page = writer_client.get("/settings/webhooks")
    assert page.status_code == 200
    assert (
        page.headers["Cache-Control"].startswith("no-store")
        or "no-store" in page.headers["Cache-Control"]
    )
    assert "No webhooks yet." in text(page)
    assert "User registered" not in text(page)


def test_a_writer_adds_a_webhook_and_sees_its_secret_once_asked(
    writer_client: FlaskClient, session: Session, receiver: Receiver
) -> None:
    response = add_through_the_page(writer_client, receiver.url)
    assert response.status_code == 302
    endpoint = only_endpoint(session)
    assert endpoint.events == EVENTS
    shown = writer_client.get(response.headers["Location"])
    assert endpoint.secret in shown.get_data(as_text=True)
    plain = writer_client.get(f"/settings/webhooks/{endpoint.id}")
    assert endpoint.secret not in plain.get_data(as_text=True)
    revealed = writer_client.post(f"/settings/webhooks/{endpoint.id}/reveal", follow_redirects=True)
    assert endpoint.secret in revealed.get_data(as_text=True)


def test_a_hostile_url_gets_a_clear_form_error(
    app: Flask, writer_client: FlaskClient, session: Session
) -> None:
    app.config["OUTBOUND_ALLOW_PRIVATE_ADDRESSES"] = False
    response = add_through_the_page(writer_client, "https://169.254.169.254/latest/meta-data/")
    assert response.status_code == 200
    assert "non-public address" in field_error(response, "url")
    assert session.scalars(select(WebhookEndpoint)).all() == []


def test_test_event_redeliver_and_the_log_escapes_the_answer(
    writer_client: FlaskClient, session: Session, receiver: Receiver
) -> None:
    receiver.status, receiver.answer = 500, b"<script>alert(1)</script>"
    add_through_the_page(writer_client, receiver.url)
    endpoint = only_endpoint(session)
    sent = writer_client.post(f"/settings/webhooks/{endpoint.id}/test")
    assert sent.status_code == 302
    sent.close()
    receiver.wait_for(1)
    page = writer_client.get(f"/settings/webhooks/{endpoint.id}")
    html = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "500" in text(page)
    delivery = session.scalars(select(WebhookDelivery)).one()
    receiver.status = 200
    again = writer_client.post(f"/settings/webhooks/deliveries/{delivery.id}/redeliver")
    assert again.status_code == 302
    again.close()
    assert len(receiver.wait_for(2)) == 2
    session.refresh(delivery)
    assert delivery.state == "delivered"


def test_edit_rotate_switch_off_and_on_and_delete(
    writer_client: FlaskClient, session: Session, receiver: Receiver
) -> None:
    add_through_the_page(writer_client, receiver.url)
    endpoint = only_endpoint(session)
    base = f"/settings/webhooks/{endpoint.id}"
    saved = writer_client.post(
        base, data={"url": receiver.url, "description": "Renamed", "events": ["article.deleted"]}
    )
    assert saved.status_code == 302
    session.refresh(endpoint)
    assert (endpoint.description, endpoint.events) == ("Renamed", ["article.deleted"])
    secret = endpoint.secret
    writer_client.post(f"{base}/rotate")
    session.refresh(endpoint)
    assert endpoint.previous_secret == secret
    writer_client.post(f"{base}/disable")
    session.refresh(endpoint)
    assert not endpoint.enabled
    assert "switched off" in text(writer_client.get(base))
    writer_client.post(f"{base}/enable")
    session.refresh(endpoint)
    assert endpoint.enabled
    assert writer_client.post(f"{base}/delete").status_code == 302
    assert session.scalars(select(WebhookEndpoint)).all() == []


def test_another_writers_webhook_is_a_404(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    with unit_of_work() as uow:
        endpoint = rules.create_endpoint(
            uow.session,
            writer,
            url=receiver.url,
            events=EVENTS,
            policy=outbound_policy(),
            settings=webhook_settings(),
        )
    sign_in_through_the_session(client, UserFactory(username="mallory"))
    base = f"/settings/webhooks/{endpoint.id}"
    assert client.get(base).status_code == 404
    for action in ("rotate", "reveal", "test", "enable", "disable", "delete"):
        assert client.post(f"{base}/{action}").status_code == 404, action
    assert client.get(f"/admin/webhooks/{endpoint.id}").status_code == 403
    assert endpoint.url not in client.get("/settings/webhooks").get_data(as_text=True)


def test_admin_webhooks_are_for_administrators_and_take_site_events(
    client: FlaskClient, session: Session, writer: User, admin: User, receiver: Receiver
) -> None:
    sign_in_through_the_session(client, writer)
    assert client.get("/admin/webhooks").status_code == 403
    sign_in_through_the_session(client, admin)
    page = client.get("/admin")
    assert 'href="/admin/webhooks"' in page.get_data(as_text=True)
    response = client.post(
        "/admin/webhooks",
        data={"url": receiver.url, "events": ["user.registered", "article.published"]},
    )
    assert response.status_code == 302
    endpoint = only_endpoint(session)
    assert endpoint.scope == Scope.SITE.value
    assert "User registered" in text(client.get(f"/admin/webhooks/{endpoint.id}"))
    # A site webhook is not on the admin's own settings page.
    assert client.get(f"/settings/webhooks/{endpoint.id}").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    assert client.get("/settings/webhooks").status_code == 302
    assert client.get("/admin/webhooks").status_code == 302


def test_forms_carry_a_csrf_token(app: Flask, writer_client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    page = writer_client.get("/settings/webhooks").get_data(as_text=True)
    assert re.search(r'name="csrf_token"', page)
    refused = writer_client.post(
        "/settings/webhooks", data={"url": "https://example.com", "events": EVENTS}
    )
    assert refused.status_code == 400
