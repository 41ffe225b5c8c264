"""Redis down or emptied: revocations hold, and nothing answers 500.

A real ``redis-server`` of the test's own is the cache, the rate limits' storage and the
Celery broker of a production-profile app; the tests stop it, restart it empty, and look
at what users and API clients get meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from folio.extensions import db, limiter
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory
from tests.production.conftest import ProxiedClient
from tests.production.redis_server import RedisServer

EMAIL = "outage@example.com"


def _on_redis(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "REDIS_URL": url,
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": url,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "CELERY_BROKER_URL": url,
        "PUBLIC_CACHE": True,
        **extra,
    }


@pytest.fixture
def on_redis(
    make_app: Callable[..., Flask], redis_server: RedisServer
) -> Iterator[Callable[..., Flask]]:
    def make(**extra: Any) -> Flask:
        application = make_app(**_on_redis(redis_server.url, **extra))
        application.test_client_class = ProxiedClient
        return application

    yield make
    # The limiter is one instance for every app of this process: it must not carry the
    # "storage is down, count in memory" state into the next test.
    limiter._storage_dead = False


def _seed(app: Flask) -> str:
    with app.app_context():
        author = UserFactory(username="outage", email=EMAIL)
        slug = str(ArticleFactory(author=author, title="Still readable").slug)
        db.session.commit()
    return slug


def _tokens(client: FlaskClient) -> dict[str, Any]:
    response = client.post("/api/v1/auth/tokens", json={"email": EMAIL, "password": TEST_PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.get_json())


def _realworld_token(client: FlaskClient) -> str:
    body = {"user": {"email": EMAIL, "password": TEST_PASSWORD}}
    response = client.post("/api/users/login", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["user"]["token"])


def test_a_revoked_token_stays_revoked_when_redis_restarts_empty(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    app = on_redis()
    _seed(app)
    client = app.test_client()
    pair = _tokens(client)
    access = {"Authorization": f"Bearer {pair['access_token']}"}
    assert client.get("/api/v1/me", headers=access).status_code == 200
    assert client.delete("/api/v1/auth/tokens", headers=access).status_code == 204
    assert client.get("/api/v1/me", headers=access).status_code == 401

    redis_server.restart()  # nothing on disk: Redis comes back empty
    me = client.get("/api/v1/me", headers=access)
    assert me.status_code == 401
    assert me.get_json()["errors"] == {"token": ["has been revoked"]}
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refresh.status_code == 401

    # And while Redis is down altogether, the database still says so.
    redis_server.stop()
    assert client.get("/api/v1/me", headers=access).status_code == 401


def _refused_500(response: Any, what: str) -> None:
    assert response.status_code != 500, (what, response.get_data(as_text=True)[:300])
    if response.status_code == 503:
        assert int(response.headers["Retry-After"]) > 0, what


def test_with_redis_down_signed_in_work_goes_on(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    app = on_redis()
    slug = _seed(app)
    client = app.test_client()
    pair = _tokens(client)
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    token = {"Authorization": f"Token {_realworld_token(client)}"}
    browser = app.test_client()
    browser.post("/auth/login", data={"email": EMAIL, "password": TEST_PASSWORD})

    redis_server.stop()
    checks = [
        ("v1 read", client.get("/api/v1/me", headers=bearer), 200),
        ("realworld read", client.get("/api/user", headers=token), 200),
        (
            "v1 write",
            client.post(
                "/api/v1/articles",
                json={"title": "Written offline", "description": "d", "body": "b"},
                headers=bearer,
            ),
            201,
        ),
        (
            "v1 comment",
            client.post(f"/api/v1/articles/{slug}/comments", json={"body": "hi"}, headers=bearer),
            201,
        ),
        (
            "realworld comment",
            client.post(
                f"/api/articles/{slug}/comments", json={"comment": {"body": "hi"}}, headers=token
            ),
            201,
        ),
        (
            "page comment",
            browser.post(f"/articles/{slug}/comments", data={"body": "from the page"}),
            302,
        ),
        (
            "refresh",
            client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}),
            200,
        ),
    ]
    for what, response, expected in checks:
        _refused_500(response, what)
        assert response.status_code == expected, (what, response.get_data(as_text=True)[:300])


def test_with_redis_down_signing_in_works_and_a_reset_asks_to_retry(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    app = on_redis()
    _seed(app)
    client = app.test_client()
    redis_server.stop()

    tokens = client.post("/api/v1/auth/tokens", json={"email": EMAIL, "password": TEST_PASSWORD})
    login = client.post(
        "/api/users/login", json={"user": {"email": EMAIL, "password": TEST_PASSWORD}}
    )
    page = app.test_client().post("/auth/login", data={"email": EMAIL, "password": TEST_PASSWORD})
    assert (tokens.status_code, login.status_code, page.status_code) == (201, 200, 302)

    # The reset link cannot be queued: say so now, for known and unknown addresses alike.
    for email in (EMAIL, "nobody@example.com"):
        reset = app.test_client().post("/auth/reset", data={"email": email})
        _refused_500(reset, "reset")
        assert reset.status_code == 503
        assert reset.mimetype == "text/html"
        assert "try again" in reset.get_data(as_text=True)


def test_with_redis_down_the_rate_limits_still_count_per_process(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    app = on_redis(RATELIMIT_TOKENS="3 per minute")
    _seed(app)
    client = app.test_client()
    redis_server.stop()
    wrong = {"email": EMAIL, "password": "not the password"}
    answers = [client.post("/api/v1/auth/tokens", json=wrong).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_with_redis_down_a_cached_anonymous_read_still_answers(
    on_redis: Callable[..., Flask], redis_server: RedisServer
) -> None:
    app = on_redis()
    slug = _seed(app)
    client = app.test_client()
    for path in ("/", f"/articles/{slug}", "/api/articles", f"/api/v1/articles/{slug}"):
        client.get(path)
        assert client.get(path).headers["X-Folio-Cache"] == "hit", path
    redis_server.stop()
    for path in ("/", f"/articles/{slug}", "/api/articles", f"/api/v1/articles/{slug}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"Still readable" in response.data


@pytest.mark.parametrize(
    ("path", "shape"),
    [("/api/v1/needs-redis", "api"), ("/api/needs-redis", "realworld"), ("/needs-redis", "web")],
)
def test_a_redis_error_reaching_the_error_policy_is_a_503(
    on_redis: Callable[..., Flask],
    redis_server: RedisServer,
    path: str,
    shape: str,
) -> None:
    app = on_redis()

    def needs_redis() -> str:
        redis.Redis.from_url(redis_server.url).ping()  # a feature that truly needs Redis
        return "pong"

    app.add_url_rule(path, "needs_redis", needs_redis)
    redis_server.stop()
    response = app.test_client().get(path)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    if shape == "api":
        assert response.get_json()["code"] == 503
        assert "service" in response.get_json()["errors"]
    elif shape == "realworld":
        assert response.get_json() == {
            "errors": {"service": ["is temporarily unavailable; try again shortly"]}
        }
    else:
        assert response.mimetype == "text/html"
        assert "Back in a moment" in response.get_data(as_text=True)
