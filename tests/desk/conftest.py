"""Fixtures for the writer's desk: the page tests' signed-in client and the API's accounts."""

from __future__ import annotations

from tests.api.conftest import alice, bob, in_app, make_article, make_user  # noqa: F401
from tests.web.conftest import client, signed_in, user  # noqa: F401
