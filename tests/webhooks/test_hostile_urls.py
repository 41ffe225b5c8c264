"""Hostile webhook URLs, with the production guard (no private addresses): each is
refused when saved, with a 422 naming ``url`` (the pages show the same message)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.core.uow import unit_of_work
from folio.models import User
from folio.webhooks.models import WebhookEndpoint
from tests.webhooks.conftest import bearer
from tests.webhooks.test_api import create


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # Production's guard: no private addresses.
    return {}


HOSTILE = [
    "http://127.0.0.1/hook",
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "http://localhost/hook",
    "https://localhost/hook",
    "file:///etc/passwd",
    "gopher://example.com/",
    "https://10.0.0.8/hook",
    "https://user:pass@example.com/hook",
    "not a url",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_refused_with_422_on_url(
    client: FlaskClient, session: Session, writer: User, url: str
) -> None:
    response = create(client, writer, url)
    assert response.status_code == 422
    assert response.get_json()["errors"]["url"]


def test_a_name_resolving_to_loopback_is_refused(
    client: FlaskClient, session: Session, writer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def fake_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "innocent.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_dns)
    response = create(client, writer, "https://innocent.example.com/hook")
    assert response.status_code == 422
    assert "127.0.0.1" in response.get_json()["errors"]["url"][0]


def test_a_changed_url_is_checked_too(client: FlaskClient, session: Session, writer: User) -> None:
    with unit_of_work() as uow:
        endpoint = WebhookEndpoint(
            owner_id=writer.id,
            url="https://example.com/hook",
            events=["article.published"],
            secret="whsec_AAAA",
            scope="own",
            description="",
        )
        uow.session.add(endpoint)
    response = client.patch(
        f"/api/v1/webhooks/{endpoint.id}",
        json={"url": "https://169.254.169.254/"},
        headers=bearer(writer),
    )
    assert response.status_code == 422
    assert "url" in response.get_json()["errors"]


def test_ids_past_integer_are_not_found(
    client: FlaskClient, session: Session, writer: User
) -> None:
    huge = 2**31
    assert client.get(f"/api/v1/webhooks/{huge}", headers=bearer(writer)).status_code == 404
    redeliver = f"/api/v1/webhooks/deliveries/{huge}/redeliver"
    assert client.post(redeliver, headers=bearer(writer)).status_code == 404
