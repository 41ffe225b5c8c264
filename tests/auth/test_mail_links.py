"""Links in mail name the configured PUBLIC_URL, whatever Host a request claims."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.mail import outbox
from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory

FORGED = [{"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}]


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    # One trusted proxy hop, so X-Forwarded-Host is honoured for the request itself.
    return {"PROXY_FIX_HOPS": 1}


def _links(app: Flask) -> list[str]:
    with app.app_context():
        return re.findall(r"https?://\S+", "\n".join(m.body for m in outbox()))


@pytest.mark.parametrize("forged", FORGED)
def test_a_reset_link_names_the_public_url_not_the_requests_host(
    app: Flask, client: FlaskClient, user: User, forged: dict[str, str]
) -> None:
    response = client.post("/auth/reset", data={"email": user.email}, headers=forged)
    assert response.status_code == 302
    links = _links(app)
    assert len(links) == 1
    assert links[0].startswith("http://localhost/auth/reset/")
    assert "evil" not in links[0]


@pytest.mark.parametrize("forged", FORGED)
def test_a_comment_notification_names_the_public_url(
    app: Flask, client: FlaskClient, session: Any, forged: dict[str, str]
) -> None:
    article = ArticleFactory(slug="on-hosts", author=UserFactory(username="writer"))
    reader = UserFactory(username="reader", email="reader@example.com")
    # Signed in through the same forged headers, so the session cookie goes along.
    signed = client.post(
        "/auth/login", data={"email": reader.email, "password": TEST_PASSWORD}, headers=forged
    )
    assert signed.status_code == 302
    response = client.post(
        f"/articles/{article.slug}/comments", data={"body": "Nice one."}, headers=forged
    )
    assert response.status_code == 302
    links = _links(app)
    assert "http://localhost/articles/on-hosts" in links
    assert any(link.startswith("http://localhost/unsubscribe/") for link in links)
    assert not [link for link in links if "evil" in link]


def test_links_follow_a_configured_public_url_with_a_path(database_url: str) -> None:
    from folio import create_app

    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "PUBLIC_URL": "https://blog.example/folio/"},
    )
    from folio.tasks import external_url

    with app.app_context():
        assert app.config["PUBLIC_URL"] == "https://blog.example/folio"
        link = external_url("http://evil.example/", "auth.reset_password", token="t")
    assert link == "https://blog.example/folio/auth/reset/t"
