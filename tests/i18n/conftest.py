"""Pages in several languages: the web tests' committing client (Flask-Babel keeps a
request's locale in ``g``, which it empties), and a reader whose name reads the same in
every language, so the untranslated-text check finds only interface."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from folio.models import User
from tests.factories import UserFactory
from tests.web.conftest import client, signed_in

__all__ = ["client", "signed_in", "user"]


@pytest.fixture
def user(session: Session) -> User:
    return UserFactory(username="zora", display_name="Zora Kowalczyk", email="zora@example.com")
