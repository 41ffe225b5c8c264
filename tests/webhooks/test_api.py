"""/api/v1/webhooks: create (secret once), read, change, delete, rotate, deliveries,
redeliver, test; hostile URLs refused with 422 naming ``url``; nobody sees another's."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import User
from tests.webhooks.conftest import bearer
from tests.webhooks.receiver import Receiver

HOOK = {"url": "", "events": ["article.published"], "description": "My receiver"}


def create(client: FlaskClient, user: User, url: str, **fields: Any) -> Any:
    return client.post(
        "/api/v1/webhooks", json={**HOOK, "url": url, **fields}, headers=bearer(user)
    )


def test_creating_answers_the_secret_once(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    response = create(client, writer, receiver.url)
    assert response.status_code == 201
    body = response.get_json()
    assert body["secret"].startswith("whsec_")
    assert (body["scope"], body["enabled"], body["events"]) == ("own", True, ["article.published"])
    assert response.headers["Location"].endswith(f"/api/v1/webhooks/{body['id']}")
    again = client.get(f"/api/v1/webhooks/{body['id']}", headers=bearer(writer)).get_json()
    assert "secret" not in again
    listed = client.get("/api/v1/webhooks", headers=bearer(writer)).get_json()
    assert [hook["id"] for hook in listed] == [body["id"]]


def test_a_test_event_is_sent_after_the_response_and_logged(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    created = create(client, writer, receiver.url).get_json()
    response = client.post(f"/api/v1/webhooks/{created['id']}/test", headers=bearer(writer))
    assert response.status_code == 202
    assert response.get_json()["state"] == "pending"
    # Nothing went out while the request was answered: it goes once the response is done.
    assert receiver.requests == []
    response.close()
    (ping,) = receiver.wait_for(1)
    assert ping.verify(created["secret"])["type"] == "ping"

    page = client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=bearer(writer))
    assert page.status_code == 200
    (delivery,) = page.get_json()["items"]
    assert delivery["state"] == "delivered"
    assert delivery["attempts"][0]["status_code"] == 200
    assert delivery["payload"]["type"] == "ping"


def test_redeliver_and_rotate(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    created = create(client, writer, receiver.url).get_json()
    client.post(f"/api/v1/webhooks/{created['id']}/test", headers=bearer(writer)).close()
    deliveries = client.get(
        f"/api/v1/webhooks/{created['id']}/deliveries", headers=bearer(writer)
    ).get_json()
    delivery_id = deliveries["items"][0]["id"]
    rotated = client.post(f"/api/v1/webhooks/{created['id']}/rotate-secret", headers=bearer(writer))
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != created["secret"]
    again = client.post(
        f"/api/v1/webhooks/deliveries/{delivery_id}/redeliver", headers=bearer(writer)
    )
    assert again.status_code == 202
    again.close()
    first, second = receiver.wait_for(2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    second.verify(new_secret)
    second.verify(created["secret"])


def test_changing_and_deleting(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    created = create(client, writer, receiver.url).get_json()
    path = f"/api/v1/webhooks/{created['id']}"
    changed = client.patch(
        path,
        json={"events": ["comment.created", "article.updated"], "enabled": False},
        headers=bearer(writer),
    )
    assert changed.status_code == 200
    assert changed.get_json()["events"] == ["article.updated", "comment.created"]
    assert changed.get_json()["enabled"] is False
    on = client.patch(path, json={"enabled": True}, headers=bearer(writer)).get_json()
    assert on["enabled"] is True
    empty = client.patch(path, json={}, headers=bearer(writer))
    assert empty.status_code == 422
    assert client.delete(path, headers=bearer(writer)).status_code == 204
    assert client.get(path, headers=bearer(writer)).status_code == 404


def test_another_writers_webhook_is_not_found(
    client: FlaskClient, session: Session, writer: User, receiver: Receiver
) -> None:
    from tests.factories import UserFactory

    intruder = UserFactory(username="mallory")
    created = create(client, writer, receiver.url).get_json()
    client.post(f"/api/v1/webhooks/{created['id']}/test", headers=bearer(writer)).close()
    delivery_id = client.get(
        f"/api/v1/webhooks/{created['id']}/deliveries", headers=bearer(writer)
    ).get_json()["items"][0]["id"]
    base = f"/api/v1/webhooks/{created['id']}"
    attempts = [
        client.get(base, headers=bearer(intruder)),
        client.patch(base, json={"description": "mine"}, headers=bearer(intruder)),
        client.delete(base, headers=bearer(intruder)),
        client.post(f"{base}/rotate-secret", headers=bearer(intruder)),
        client.post(f"{base}/test", headers=bearer(intruder)),
        client.get(f"{base}/deliveries", headers=bearer(intruder)),
        client.post(
            f"/api/v1/webhooks/deliveries/{delivery_id}/redeliver", headers=bearer(intruder)
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert client.get("/api/v1/webhooks", headers=bearer(intruder)).get_json() == []
    assert client.get("/api/v1/webhooks").status_code == 401


def test_site_webhooks_are_for_administrators(
    client: FlaskClient, session: Session, writer: User, admin: User, receiver: Receiver
) -> None:
    refused = create(client, writer, receiver.url, scope="site")
    assert refused.status_code == 422
    assert "scope" in refused.get_json()["errors"]
    own_registered = create(client, writer, receiver.url, events=["user.registered"])
    assert own_registered.status_code == 422
    assert "events" in own_registered.get_json()["errors"]
    site = create(client, admin, receiver.url, scope="site", events=["user.registered"])
    assert site.status_code == 201
    assert (
        client.get(f"/api/v1/webhooks/{site.get_json()['id']}", headers=bearer(writer)).status_code
        == 404
    )
