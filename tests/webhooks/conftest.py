"""Fixtures for webhooks: a real local receiver, apps allowed to reach it, accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.auth.tokens import issue_access_token
from folio.models import User
from tests.factories import UserFactory
from tests.web.helpers import CommittingClient, sign_in_through_the_session
from tests.webhooks.receiver import Receiver

# Short timeouts: a hanging receiver costs a test about half a second.
ALLOW_LOOPBACK = {
    "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": True,
    "OUTBOUND_CONNECT_TIMEOUT": 1.0,
    "OUTBOUND_READ_TIMEOUT": 0.5,
    "OUTBOUND_TOTAL_TIMEOUT": 2.0,
}


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return dict(ALLOW_LOOPBACK)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    return app.test_client()


@pytest.fixture
def writer(session: Session) -> User:
    return UserFactory(username="wendy", email="wendy@example.com")


@pytest.fixture
def admin(session: Session) -> User:
    return UserFactory(username="ada", email="ada@example.com", admin=True)


@pytest.fixture
def writer_client(client: FlaskClient, writer: User) -> FlaskClient:
    sign_in_through_the_session(client, writer)
    return client


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(user)}"}
