"""Fixtures for the stats tests: a client that commits first, browsers' user agents,
and a Redis-backed app on its own database number and key prefix."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import CommittingClient

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
# Redis for the tests that count there: a database number of its own, a fresh prefix per
# test, and every key of that prefix deleted afterwards.
REDIS_URL = os.environ.get("TEST_STATS_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    return app.test_client()


def beacon(
    client: FlaskClient,
    slug: str,
    *,
    agent: str = BROWSER,
    address: str = "203.0.113.7",
    referrer: str | None = None,
    **kwargs: Any,
) -> Any:
    """Send the beacon as stats.js does, from one reader (address + user agent)."""
    body = kwargs.pop("json", {"referrer": referrer} if referrer is not None else {})
    return client.post(
        f"/stats/views/{slug}",
        json=body,
        headers={"User-Agent": agent, **kwargs.pop("headers", {})},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    import redis

    if not redis_available():
        pytest.skip(reason=f"Redis is not reachable at {REDIS_URL}")
    prefix = f"folio-test:stats:{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
