"""A production-profile app on the test database, behind a pretend TLS proxy."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio import create_app
from folio.extensions import db
from tests.production.redis_server import redis_server  # noqa: F401 - a fixture for these tests

PROD_SECRET = "production-test-secret-key-0123456789-abcdefgh"  # noqa: S105 - tests only
PUBLIC = "https://folio.example"
# What the proxy in front adds: the scheme it took the request on and the client address.
VIA_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
_ENV = (
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "JWT_SECRET_KEY",
    "JWT_SECRET_KEY_FALLBACKS",
    "REDIS_URL",
    "DATABASE_URL",
    "PUBLIC_URL",
    "TRUSTED_HOSTS",
    "FOLIO_ENV",
    "FLASK_DEBUG",
)


def production_overrides(database_url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": PROD_SECRET,
        "TRUSTED_HOSTS": ["folio.example", "localhost"],
        "PUBLIC_URL": PUBLIC,
        # Forms are tested elsewhere with their CSRF tokens; here the subject is the rest.
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "CACHE_TYPE": "SimpleCache",
        "LOG_JSON": False,
        # Flask-Mail builds each message and signals it, but does not connect to SMTP.
        "MAIL_SUPPRESS_SEND": True,
    }


@pytest.fixture
def make_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Flask]]:
    """``make_app(**overrides)``: production apps sharing one rolled-back transaction."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    made: list[Flask] = []
    engines: list[Any] = []
    state: dict[str, Any] = {}

    def make(**overrides: Any) -> Flask:
        application = create_app("production", {**production_overrides(database_url), **overrides})
        with application.app_context():
            if "connection" not in state:
                state["connection"] = db.engine.connect()
                state["outer"] = state["connection"].begin()
            engines.append(db.engine)
            # Flask-SQLAlchemy picks the bind from each app's db.engines; share one.
            monkeypatch.setitem(db.engines, None, state["connection"])
        monkeypatch.setitem(
            db.session.session_factory.kw, "join_transaction_mode", "create_savepoint"
        )
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.session.remove()
    if "connection" in state:
        state["outer"].rollback()
        state["connection"].close()
    for engine in engines:
        engine.dispose()
    root.handlers[:], _ = saved
    root.setLevel(saved[1])


@pytest.fixture
def prod_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


class ProxiedClient(FlaskClient):
    """A client whose requests arrive through the TLS proxy, on the public host."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        headers = {**VIA_PROXY, **dict(kwargs.pop("headers", None) or {})}
        kwargs.setdefault("base_url", "http://folio.example")
        return super().open(*args, headers=headers, **kwargs)


@pytest.fixture
def proxied(prod_app: Flask) -> FlaskClient:
    prod_app.test_client_class = ProxiedClient
    return prod_app.test_client()
