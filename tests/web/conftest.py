from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import User
from tests.factories import UserFactory
from tests.web.helpers import CommittingClient, sign_in_through_the_session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client that first commits what the test wrote (see CommittingClient)."""
    app.test_client_class = CommittingClient
    return app.test_client()


@pytest.fixture
def user(session: Session) -> User:
    return UserFactory(username="alice", display_name="Alice Liddell", email="alice@example.com")


@pytest.fixture
def signed_in(client: FlaskClient, user: User) -> FlaskClient:
    # Through the session: signing in itself is tested in tests/auth.
    sign_in_through_the_session(client, user)
    return client
