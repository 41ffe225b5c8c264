"""Fixtures for the /api/v1 request tests.

Data is written in an app context of its own and committed (a savepoint under the
per-test transaction), so no context stays open while the client makes requests (the
token's user is cached on ``g`` for one app context). Helpers hand back plain values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.auth.tokens import issue_access_token
from folio.extensions import db
from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def in_app(app: Flask) -> Callable[[Callable[[], Any]], Any]:
    """Run ``fn`` in a fresh app context, commit, and return its (plain) result."""

    def run(fn: Callable[[], Any]) -> Any:
        with app.app_context():
            result = fn()
            db.session.commit()
            return result

    return run


@pytest.fixture
def make_user(in_app: Callable[..., Any]) -> Callable[..., Account]:
    def make(**fields: Any) -> Account:
        def create() -> Account:
            user = UserFactory(**fields)
            return Account(user.id, user.username, user.email, issue_access_token(user))

        return in_app(create)

    return make


@pytest.fixture
def make_article(in_app: Callable[..., Any]) -> Callable[..., str]:
    """``make_article(author, **factory_fields)`` -> the new article's slug."""

    def make(author: Account, **fields: Any) -> str:
        def create() -> str:
            return str(ArticleFactory(author=db.session.get(User, author.id), **fields).slug)

        return in_app(create)

    return make


@pytest.fixture
def alice(make_user: Callable[..., Account]) -> Account:
    return make_user(username="alice", email="alice@example.test")


@pytest.fixture
def bob(make_user: Callable[..., Account]) -> Account:
    return make_user(username="bob", email="bob@example.test")


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> dict[str, Any]:
    response = client.post("/api/v1/auth/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """The response is the one error shape with ``status``, naming each of ``fields``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str)
    assert body["status"]
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["errors"], dict)
    assert body["errors"]
    for field in fields:
        assert field in body["errors"], body["errors"]
    return dict(body)
