"""Rate limits on Redis (folio.rate_windows): the X-RateLimit headers come from the hit
itself, say what Redis holds, and the limits count and refuse as before."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask

from folio.extensions import limiter
from folio.rate_windows import RememberingFixedWindow
from tests.production.redis_server import RedisServer
from tests.production.test_redis_outage import _realworld_token, _seed, on_redis

__all__ = ["on_redis"]  # the outage tests' fixture: an app on this Redis server


def _limit_keys(url: str) -> dict[str, tuple[int, int]]:
    client = redis.Redis.from_url(url)
    return {
        key.decode(): (int(client.get(key) or 0), int(client.ttl(key)))
        for key in client.scan_iter("LIMITS:*")
        if b"add_comment" in key
    }


def test_headers_say_what_redis_holds_and_the_limit_refuses(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    app = on_redis(RATELIMIT_COMMENT="3 per minute", RATELIMIT_COMMENT_ACCOUNT="5 per minute")
    assert isinstance(limiter.limiter, RememberingFixedWindow)
    slug = _seed(app)
    client = app.test_client()
    token = {"Authorization": f"Token {_realworld_token(client)}"}
    url = f"/api/articles/{slug}/comments"
    answers: list[Any] = []
    for number in range(4):
        before = time.time()
        response = client.post(url, json={"comment": {"body": f"c{number}"}}, headers=token)
        held = _limit_keys(redis_server.url)
        (count, ttl), *_ = sorted(held.values())  # the client's limit: the tighter one
        answers.append(response.status_code)
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == str(max(0, 3 - count))
        reset = int(response.headers["X-RateLimit-Reset"])
        assert int(before + ttl) <= reset <= int(time.time() + ttl) + 1
        assert 0 < int(response.headers["Retry-After"]) <= 60
    assert answers == [201, 201, 201, 429]


def test_a_restarted_redis_counts_again(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    # The counting script is loaded again into a Redis that lost it.
    app = on_redis(RATELIMIT_COMMENT="3 per minute")
    slug = _seed(app)
    client = app.test_client()
    token = {"Authorization": f"Token {_realworld_token(client)}"}
    url = f"/api/articles/{slug}/comments"
    first = client.post(url, json={"comment": {"body": "before"}}, headers=token)
    redis_server.restart()
    second = client.post(url, json={"comment": {"body": "after"}}, headers=token)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["X-RateLimit-Remaining"] == "2"
