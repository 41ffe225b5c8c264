"""One refresh token, six parallel refreshes: exactly one new pair.

Real commits on the run's database (PostgreSQL with ``TEST_DATABASE_URL``), each request
in its own thread, app context and database connection, and the token blocklist's Redis
cache on a ``redis-server`` of the test's own, as in production.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_jwt_extended import decode_token
from sqlalchemy import delete

from folio import create_app
from folio.auth.tokens import issue_refresh_token
from folio.extensions import db
from folio.models import RevokedToken, User
from tests.factories import UserFactory
from tests.production.redis_server import RedisServer

RACERS = 6


@pytest.fixture
def racer(database_url: str, redis_server: RedisServer) -> Iterator[tuple[Flask, str]]:
    """An app whose requests really commit (no per-test rollback), and a refresh token
    of a user committed for the test; both the user and the token's row are removed after.
    """
    url = redis_server.url
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": url,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
        },
    )
    with app.app_context():
        user = UserFactory(username="racer", email="racer@example.com")
        db.session.commit()
        refresh = issue_refresh_token(user)
        jti = decode_token(refresh)["jti"]
        db.session.remove()
    yield app, refresh
    with app.app_context():
        db.session.execute(delete(RevokedToken).where(RevokedToken.jti == jti))
        db.session.execute(delete(User).where(User.username == "racer"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_parallel_refreshes_with_one_token_give_one_new_pair(racer: tuple[Flask, str]) -> None:
    app, refresh = racer
    start = threading.Barrier(RACERS)
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def race() -> None:
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
        with lock:
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [401] * (RACERS - 1), answers
    for status, body in answers:
        if status == 401:
            assert body["errors"] == {"token": ["has been revoked"]}
