"""The API and page fixtures the scheduling and draft-link tests use, in one place
(``from tests.desk.schedule_fixtures import *``): tests/desk has no conftest of its own."""

from __future__ import annotations

from tests.api.conftest import alice, bob, in_app, make_article, make_user
from tests.web.conftest import client, signed_in, user

__all__ = ["alice", "bob", "client", "in_app", "make_article", "make_user", "signed_in", "user"]
