"""429 with Retry-After on the routes attackers hammer, in the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Account, assert_error


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_TOKENS": "2 per minute",
        "RATELIMIT_REGISTER": "1 per minute",
        "RATELIMIT_COMMENT": "1 per minute",
    }


def _assert_limited(response: Any) -> None:
    assert_error(response, 429)
    assert int(response.headers["Retry-After"]) > 0


def test_token_creation_is_rate_limited(client: FlaskClient, alice: Account) -> None:
    attempt = {"email": alice.email, "password": "wrong-password"}
    for _ in range(2):
        assert client.post("/api/v1/auth/tokens", json=attempt).status_code == 401
    _assert_limited(client.post("/api/v1/auth/tokens", json=attempt))


def test_registration_is_rate_limited(client: FlaskClient) -> None:
    first = {"username": "erin", "email": "erin@example.com", "password": "a long passphrase"}
    assert client.post("/api/v1/users", json=first).status_code == 201
    second = {"username": "fred", "email": "fred@example.com", "password": "a long passphrase"}
    _assert_limited(client.post("/api/v1/users", json=second))


def test_comments_are_rate_limited(
    client: FlaskClient, make_article: Callable[..., str], alice: Account
) -> None:
    url = f"/api/v1/articles/{make_article(alice)}/comments"
    assert client.post(url, json={"body": "one"}, headers=alice.headers).status_code == 201
    _assert_limited(client.post(url, json={"body": "two"}, headers=alice.headers))
