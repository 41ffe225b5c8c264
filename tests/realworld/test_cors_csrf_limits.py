"""CORS for /api and /api/v1, no CSRF token needed with a bearer token, rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from folio import create_app
from tests.conftest import TEST_PASSWORD
from tests.realworld.helpers import Account, errors_of

FRONT_END = "http://localhost:4200"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {
        "CORS_ORIGINS": [FRONT_END, "https://conduit.example.com/"],
        # Enforced here, as in production: the token endpoints must not need a CSRF token.
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_SIGNIN": "2 per minute",
        "RATELIMIT_REGISTER": "1 per minute",
        "RATELIMIT_COMMENT": "1 per minute",
    }


def preflight(client: FlaskClient, path: str, origin: str, method: str = "PUT") -> Any:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type, if-match, x-evil",
        },
    )


@pytest.mark.parametrize("path", ["/api/articles/some-slug", "/api/user", "/api/v1/openapi.json"])
def test_a_preflight_from_an_allowed_origin_is_answered(client: FlaskClient, path: str) -> None:
    response = preflight(client, path, FRONT_END)
    assert response.status_code == 200
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == FRONT_END
    assert "PUT" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "content-type", "if-match"}
    assert headers["Access-Control-Max-Age"] == "600"
    # Tokens travel in a header; cookies are never invited along.
    assert "Access-Control-Allow-Credentials" not in headers
    assert "Origin" in headers.get("Vary", "")


def test_an_allowed_origin_reads_responses_and_their_headers(client: FlaskClient) -> None:
    response = client.get("/api/tags", headers={"Origin": "https://conduit.example.com"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://conduit.example.com"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"ETag", "Link", "Retry-After", "X-Request-ID", "X-Folio-Token"}
    # Errors carry the headers too, or the front end could not read them.
    missing = client.get("/api/user", headers={"Origin": FRONT_END})
    assert missing.status_code == 401
    assert missing.headers["Access-Control-Allow-Origin"] == FRONT_END


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://localhost:4200.evil.example", "http://localhost:42001"],
)
def test_other_origins_get_no_cors_headers(client: FlaskClient, origin: str) -> None:
    for response in (
        preflight(client, "/api/articles", origin),
        client.get("/api/tags", headers={"Origin": origin}),
    ):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Origin" in response.headers.get("Vary", "")


def test_no_origin_no_cors_headers(client: FlaskClient) -> None:
    response = client.get("/api/tags")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_pages_are_not_opened_to_other_origins(client: FlaskClient) -> None:
    response = client.get("/", headers={"Origin": FRONT_END})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_writes_need_no_csrf_token(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/articles",
        headers=alice.headers,
        json={"article": {"title": "T", "description": "D", "body": "B"}},
    )
    assert response.status_code == 201
    assert (
        client.put("/api/user", headers=alice.headers, json={"user": {"bio": "x"}}).status_code
        == 200
    )


def test_sign_in_is_rate_limited_per_client(client: FlaskClient, alice: Account) -> None:
    env = {"REMOTE_ADDR": "203.0.113.7"}
    payload = {"user": {"email": alice.email, "password": TEST_PASSWORD}}
    for _ in range(2):
        assert client.post("/api/users/login", json=payload, environ_base=env).status_code == 200
    response = client.post("/api/users/login", json=payload, environ_base=env)
    assert response.status_code == 429
    assert "rate_limit" in errors_of(response)
    assert int(response.headers["Retry-After"]) > 0
    other = client.post(
        "/api/users/login", json=payload, environ_base={"REMOTE_ADDR": "203.0.113.8"}
    )
    assert other.status_code == 200


def test_registration_is_rate_limited(client: FlaskClient) -> None:
    env = {"REMOTE_ADDR": "203.0.113.9"}

    def sign_up(name: str) -> int:
        user = {"username": name, "email": f"{name}@example.com", "password": "long-enough"}
        return client.post("/api/users", json={"user": user}, environ_base=env).status_code

    assert sign_up("first") == 201
    assert sign_up("second") == 429


def test_commenting_is_rate_limited(client: FlaskClient, alice: Account, make_article: Any) -> None:
    slug = make_article(alice)
    env = {"REMOTE_ADDR": "203.0.113.10"}

    def post() -> int:
        return client.post(
            f"/api/articles/{slug}/comments",
            headers=alice.headers,
            json={"comment": {"body": "hi"}},
            environ_base=env,
        ).status_code

    assert post() == 201
    assert post() == 429


@pytest.mark.parametrize(
    ("profile", "allowed"),
    [("development", True), ("production", False)],
)
def test_localhost_front_ends_are_allowed_in_development_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, profile: str, allowed: bool
) -> None:
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-that-is-long-enough-0123456789")
    # LOG_JSON off: the production profile would otherwise replace the root log handlers.
    overrides = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cors.db'}",
        "LOG_JSON": False,
        # What production refuses to start without.
        "PUBLIC_URL": "https://folio.example",
        "TRUSTED_HOSTS": ["localhost"],
    }
    app = create_app(profile, overrides)
    response = preflight(app.test_client(), "/api/articles", "http://localhost:5173", "POST")
    assert ("Access-Control-Allow-Origin" in response.headers) is allowed
