"""Pages in several languages: the web tests' committing client, and a reader whose name
reads the same in every language (so the untranslated-text check finds only interface)."""

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
    """Each request starts with an empty ``g``, as on a real server (see CommittingClient):
    Flask-Babel keeps the request's locale there."""
    app.test_client_class = CommittingClient
    return app.test_client()


@pytest.fixture
def user(session: Session) -> User:
    return UserFactory(username="zora", display_name="Zora Kowalczyk", email="zora@example.com")


@pytest.fixture
def signed_in(client: FlaskClient, user: User) -> FlaskClient:
    sign_in_through_the_session(client, user)
    return client
