"""The public cache: anonymous reads are shared, writes invalidate them, nothing personal."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.caching import generation
from folio.extensions import db
from folio.services import articles, comments
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"PUBLIC_CACHE": True}


def _seed(app: Flask) -> tuple[str, str]:
    with app.app_context():
        author = UserFactory(username="caching", email="caching@example.com")
        article = ArticleFactory(author=author, title="First title", tags=["ink"])
        db.session.commit()
        return article.slug, author.email


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/articles/{slug}",
        "/tags/ink",
        "/@caching",
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/articles/{slug}",
        "/api/articles",
        "/api/tags",
        "/api/v1/tags",
    ],
)
def test_anonymous_reads_are_served_from_the_cache(
    app: Flask, client: FlaskClient, path: str
) -> None:
    slug, _ = _seed(app)
    path = path.format(slug=slug)
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Folio-Cache"] == "miss"
    assert second.headers["X-Folio-Cache"] == "hit"
    assert second.data == first.data
    # Headers made per response are fresh on a hit too.
    assert second.headers["Content-Security-Policy"]
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


def test_a_write_through_any_face_invalidates(app: Flask, client: FlaskClient) -> None:
    slug, _ = _seed(app)
    assert client.get(f"/articles/{slug}").headers["X-Folio-Cache"] == "miss"
    assert client.get(f"/articles/{slug}").headers["X-Folio-Cache"] == "hit"
    before = None
    with app.test_request_context("/"):
        before = generation()
        session = db.session()
        article = articles.get_article(session, None, slug)
        reader = UserFactory(username="reader", email="reader@example.com")
        comments.add_comment(session, reader, article, "A fresh comment")
        session.commit()
        assert generation() > before
    page = client.get(f"/articles/{slug}")
    assert page.headers["X-Folio-Cache"] == "miss"
    assert b"A fresh comment" in page.data


def test_an_edit_shows_at_once(app: Flask, client: FlaskClient) -> None:
    slug, email = _seed(app)
    assert b"First title" in client.get("/").data
    author = app.test_client()
    author.post("/auth/login", data={"email": email, "password": TEST_PASSWORD})
    response = author.post(
        f"/articles/{slug}/edit",
        data={"title": "Second title", "description": "d", "body": "b", "tags": "ink"},
    )
    assert response.status_code in (200, 302)
    home = client.get("/")
    assert home.headers["X-Folio-Cache"] == "miss"
    assert b"Second title" in home.data


def test_signed_in_and_token_requests_never_touch_the_cache(app: Flask) -> None:
    _slug, email = _seed(app)
    anonymous = app.test_client()
    anonymous.get("/")
    signed_in = app.test_client()
    signed_in.post("/auth/login", data={"email": email, "password": TEST_PASSWORD})
    page = signed_in.get("/")
    assert "X-Folio-Cache" not in page.headers
    assert b"caching" in page.data  # their own name in the header
    api = app.test_client().get("/api/v1/articles", headers={"Authorization": "Bearer x"})
    assert "X-Folio-Cache" not in api.headers
    # And what a signed-in reader saw was not stored for others.
    assert b"Sign in" in anonymous.get("/").data


def test_a_response_that_touches_the_session_is_not_stored(app: Flask) -> None:
    from flask import request, session

    @app.before_request
    def mark() -> None:
        if request.args.get("touch"):
            session["x"] = 1  # as a CSRF token or a flash message would

    _seed(app)
    client = app.test_client()
    assert client.get("/tags/ink?touch=1").headers["X-Folio-Cache"] == "miss"
    fresh = app.test_client()  # no cookie
    assert fresh.get("/tags/ink?touch=1").headers["X-Folio-Cache"] == "miss"


def test_without_redis_the_cache_is_off_by_default(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from folio import create_app

    monkeypatch.delenv("REDIS_URL", raising=False)
    plain = create_app("development", {"SQLALCHEMY_DATABASE_URI": database_url})
    assert plain.config["PUBLIC_CACHE"] is False
    shared = create_app(
        "development",
        {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": "redis://127.0.0.1:1/0"},
    )
    assert shared.config["PUBLIC_CACHE"] is True


def test_a_hit_is_the_response_as_first_sent(app: Flask, client: FlaskClient) -> None:
    slug, _ = _seed(app)
    first = client.get(f"/articles/{slug}")
    second = client.get(f"/articles/{slug}")
    assert second.headers["X-Folio-Cache"] == "hit"
    fresh = {"X-Request-ID", "X-Folio-Cache"}
    assert [h for h in second.headers if h[0] not in fresh] == [
        h for h in first.headers if h[0] not in fresh
    ]
    assert "Cookie" in second.headers["Vary"]


def test_a_cross_origin_call_gets_its_own_cors_answer(app: Flask) -> None:
    app.config["CORS_ORIGINS"] = ["https://front.example"]
    _seed(app)
    client = app.test_client()
    assert client.get("/api/articles").headers["X-Folio-Cache"] == "miss"
    assert client.get("/api/articles").headers["X-Folio-Cache"] == "hit"
    cross = client.get("/api/articles", headers={"Origin": "https://front.example"})
    assert cross.status_code == 200
    assert "X-Folio-Cache" not in cross.headers
    assert "Access-Control-Allow-Origin" not in client.get("/api/articles").headers


@pytest.mark.parametrize(
    "app_overrides",
    [{"PUBLIC_CACHE": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}],
)
def test_a_rate_limited_response_is_not_shared(app: Flask) -> None:
    from folio.extensions import limiter

    _seed(app)
    view = app.view_functions["web.tag"]
    app.view_functions["web.tag"] = limiter.limit("100 per minute")(view)
    client = app.test_client()
    first = client.get("/tags/ink")
    assert "X-RateLimit-Remaining" in first.headers
    second = client.get("/tags/ink")
    assert second.headers["X-Folio-Cache"] == "miss"
    assert second.headers["X-RateLimit-Remaining"] != first.headers["X-RateLimit-Remaining"]
