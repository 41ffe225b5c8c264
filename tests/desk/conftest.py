"""The page tests' fixtures (a committing client, a user), shared with tests/web."""

from tests.web.conftest import client, signed_in, user

__all__ = ["client", "signed_in", "user"]
