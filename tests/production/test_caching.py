"""The public cache: anonymous reads are shared, writes invalidate them, nothing personal."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.articles import queries as article_queries
from folio.caching import generation
from folio.comments import rules as comments
from folio.core.uow import unit_of_work
from folio.extensions import db
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
        "/search?q=first",
        "/api/v1/articles?q=first",
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
        article = article_queries.get_article(session, None, slug)
        reader = UserFactory(username="reader", email="reader@example.com")
        with unit_of_work(session):
            comments.add_comment(session, reader, article, "A fresh comment")
            assert generation() == before  # not before the commit
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


@pytest.mark.fresh_app
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


LOCAL_COPIES = {"PUBLIC_CACHE": True, "PUBLIC_CACHE_LOCAL_SECONDS": 5.0}


def _count_shared_reads(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from folio.extensions import cache

    backend = app.extensions["cache"][cache]
    reads: list[str] = []
    original = backend.get_many

    def counted(*keys: str) -> Any:
        reads.extend(keys)
        return original(*keys)

    monkeypatch.setattr(backend, "get_many", counted)
    return reads


def _change_title_elsewhere(app: Flask, slug: str, title: str) -> None:
    """What another instance's write looks like from here: new rows, a new generation,
    and no event in this process."""
    from sqlalchemy import update

    from folio.caching import GENERATION_KEY
    from folio.extensions import cache
    from folio.models import Article

    with app.app_context():
        db.engines[None].execute(update(Article).where(Article.slug == slug).values(title=title))
        cache.cache.inc(GENERATION_KEY)


@pytest.mark.parametrize("app_overrides", [LOCAL_COPIES])
def test_a_worker_answers_its_recent_pages_without_a_round_trip(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    slug, _ = _seed(app)
    reads = _count_shared_reads(app, monkeypatch)
    first = client.get(f"/articles/{slug}")
    assert first.headers["X-Folio-Cache"] == "miss"
    assert len(reads) == 2  # the generation and the entry, in one MGET
    again = [client.get(f"/articles/{slug}") for _ in range(3)]
    assert len(reads) == 2
    for response in again:
        assert response.headers["X-Folio-Cache"] == "hit"
        assert response.data == first.data
        assert response.headers["Content-Security-Policy"]
    assert len({r.headers["X-Request-ID"] for r in [first, *again]}) == 4


@pytest.mark.parametrize("app_overrides", [LOCAL_COPIES])
def test_another_instance_s_write_shows_once_the_local_window_is_over(
    app: Flask, client: FlaskClient
) -> None:
    slug, _ = _seed(app)
    local = app.extensions["folio_public_local"]
    now = [1000.0]
    local.clock = lambda: now[0]
    assert client.get(f"/articles/{slug}").headers["X-Folio-Cache"] == "miss"
    _change_title_elsewhere(app, slug, "Changed elsewhere")
    now[0] += 4.9
    stale = client.get(f"/articles/{slug}")
    assert stale.headers["X-Folio-Cache"] == "hit"
    assert b"First title" in stale.data
    now[0] += 0.2  # 5.1 s after the generation was read
    fresh = client.get(f"/articles/{slug}")
    assert fresh.headers["X-Folio-Cache"] == "miss"
    assert b"Changed elsewhere" in fresh.data
    assert b"First title" not in fresh.data


@pytest.mark.parametrize("app_overrides", [LOCAL_COPIES])
def test_a_write_through_this_process_shows_at_once_despite_local_copies(
    app: Flask, client: FlaskClient
) -> None:
    slug, email = _seed(app)
    assert b"First title" in client.get("/").data
    assert client.get("/").headers["X-Folio-Cache"] == "hit"
    author = app.test_client()
    author.post("/auth/login", data={"email": email, "password": TEST_PASSWORD})
    author.post(
        f"/articles/{slug}/edit",
        data={"title": "Second title", "description": "d", "body": "b", "tags": "ink"},
    )
    home = client.get("/")
    assert home.headers["X-Folio-Cache"] == "miss"
    assert b"Second title" in home.data


def test_local_copies_are_bounded_in_bytes() -> None:
    from folio.caching import LocalCopies

    local = LocalCopies(seconds=10, max_bytes=8_000)
    local.saw(3, 0.0, "first", None)
    for name in ("a", "b", "c", "d", "e"):
        local.keep(name, (3, "200 OK", [], b"x" * 1_000))
    local.keep("huge", (3, "200 OK", [], b"x" * 1_001))  # over an eighth of the budget
    local.keep("old", (2, "200 OK", [], b"x"))  # of an earlier generation
    assert local.get("huge", 1.0) is None
    assert local.get("old", 1.0) is None
    for name in ("f", "g", "h", "i"):
        local.get("a", 1.0)  # recently used: kept
        local.keep(name, (3, "200 OK", [], b"x" * 1_000))
    kept = [n for n in "abcdefghi" if local.get(n, 1.0) is not None]
    assert kept == ["a", "c", "d", "e", "f", "g", "h", "i"]
    assert local.get("a", 10.0) is None  # the window is over
    local.saw(4, 10.0, "a", None)
    assert [n for n in "abcdefghi" if local.get(n, 11.0) is not None] == []
