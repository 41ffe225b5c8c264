"""The public cache serves the Atom feeds and answers conditional requests (304) from the
current entry, never from one a write made stale."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.http import http_date

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.caching import invalidate
from folio.core.uow import unit_of_work
from folio.extensions import db
from folio.models import Article, User
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory

FEEDS = ["/atom.xml", "/@feeder/atom.xml", "/tags/ink/atom.xml"]
FEED_PATH = "/atom.xml"
ATOM = "{http://www.w3.org/2005/Atom}"
# Headers a 304 repeats from the 200 it stands for.
REPEATED = ("ETag", "Cache-Control", "Vary", "Content-Security-Policy")


def _titles(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)  # noqa: S314 - our own output
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.findall(f"{ATOM}entry")]


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"PUBLIC_CACHE": True}


def _seed(app: Flask) -> str:
    with app.app_context():
        author = UserFactory(username="feeder", email="feeder@example.com")
        ArticleFactory(author=author, title="Older entry", tags=["ink"])
        article = ArticleFactory(author=author, title="Newest entry", tags=["ink"])
        db.session.commit()
        return article.slug


def _change(app: Flask, change: Callable[[Session, User, Article], Any], slug: str) -> None:
    """A write through the rules, as any face makes it: committed, events dispatched."""
    with app.test_request_context("/"):
        session = db.session()
        author = session.scalar(select(User).where(User.username_key == "feeder"))
        article = article_queries.get_article(session, author, slug)  # a draft, too
        with unit_of_work(session):
            change(session, author, article)


def _new_draft(app: Flask) -> str:
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username_key == "feeder"))
        draft = ArticleFactory(
            author=author, title="Fresh from the press", tags=["ink"], draft=True
        )
        db.session.commit()
        return draft.slug


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_are_served_from_the_cache(app: Flask, client: FlaskClient, path: str) -> None:
    _seed(app)
    first = client.get(path)
    second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Folio-Cache"] == "miss"
    assert second.headers["X-Folio-Cache"] == "hit"
    assert second.data == first.data
    assert b"Newest entry" in second.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert not second.headers["ETag"].startswith("W/")
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert second.mimetype == "application/atom+xml"


def _rename(session: Session, author: User, article: Article) -> None:
    articles.update_article(session, author, article, {"title": "Renamed"})


@pytest.mark.parametrize(
    ("change", "newest"),
    [
        (_rename, b"Renamed"),
        (articles.delete_article, b"Older entry"),
        # The newest entry goes: the feed's date goes back in time, and still no 304.
        (articles.unpublish_article, b"Older entry"),
    ],
    ids=["edit", "delete", "unpublish"],
)
def test_a_change_shows_in_the_feed_at_once_and_old_validators_get_a_200(
    app: Flask, client: FlaskClient, change: Callable[..., Any], newest: bytes
) -> None:
    slug = _seed(app)
    before = client.get(FEED_PATH)
    assert client.get(FEED_PATH).headers["X-Folio-Cache"] == "hit"
    _change(app, change, slug)
    for validator in (
        {"If-None-Match": before.headers["ETag"]},
        {"If-Modified-Since": before.headers["Last-Modified"]},
    ):
        after = client.get(FEED_PATH, headers=validator)
        assert after.status_code == 200, validator
        assert after.headers["ETag"] != before.headers["ETag"]
        assert after.data != before.data
    assert b"Newest entry" not in after.data
    assert _titles(after.data)[0] == newest.decode()


def test_publishing_shows_in_the_feed_at_once(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    before = client.get(FEED_PATH)
    assert client.get(FEED_PATH).headers["X-Folio-Cache"] == "hit"
    draft = _new_draft(app)
    assert client.get(FEED_PATH).headers["X-Folio-Cache"] == "hit"  # a draft changes nothing
    _change(app, articles.publish_article, draft)
    after = client.get(FEED_PATH, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["X-Folio-Cache"] == "miss"
    assert b"Fresh from the press" in after.data
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]


def test_an_edit_through_the_editor_shows_in_the_feed(app: Flask, client: FlaskClient) -> None:
    slug = _seed(app)
    before = client.get(FEED_PATH)
    author = app.test_client()
    author.post("/auth/login", data={"email": "feeder@example.com", "password": TEST_PASSWORD})
    response = author.post(
        f"/articles/{slug}/edit",
        data={"title": "Edited title", "description": "d", "body": "b", "tags": "ink"},
    )
    assert response.status_code in (200, 302)
    after = client.get(FEED_PATH, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert b"Edited title" in after.data


@pytest.mark.parametrize("path", [*FEEDS, "/", "/tags/ink", "/api/v1/articles", "/api/tags"])
def test_a_conditional_request_is_answered_from_the_cache(
    app: Flask, client: FlaskClient, path: str
) -> None:
    _seed(app)
    full = client.get(path)
    assert full.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["X-Folio-Cache"] == "hit"
    for name in REPEATED:
        assert again.headers.get(name) == full.headers.get(name), name
    assert "Content-Length" not in again.headers or again.headers["Content-Length"] == "0"
    assert "Content-Type" not in again.headers


def test_a_conditional_miss_is_stored_and_then_answered(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    full = client.get(FEED_PATH)

    with app.app_context():
        invalidate()  # nothing changed, but the entry is gone
    cold = client.get(FEED_PATH, headers={"If-None-Match": full.headers["ETag"]})
    assert cold.status_code == 304
    assert cold.headers["X-Folio-Cache"] == "miss"
    assert cold.data == b""
    assert cold.headers["ETag"] == full.headers["ETag"]
    # What the miss stored is the whole feed, not the 304.
    stored = client.get(FEED_PATH)
    assert stored.headers["X-Folio-Cache"] == "hit"
    assert stored.data == full.data


def test_if_modified_since_the_feed_s_newest_entry(app: Flask, client: FlaskClient) -> None:
    _seed(app)
    full = client.get(FEED_PATH)
    newest = ET.fromstring(full.data).findtext(f"{ATOM}entry/{ATOM}updated")  # noqa: S314
    assert full.headers["Last-Modified"] == http_date(datetime.fromisoformat(newest or ""))
    again = client.get(FEED_PATH, headers={"If-Modified-Since": full.headers["Last-Modified"]})
    assert again.status_code == 304
    # If-None-Match wins when both are sent (RFC 9110 13.2.2).
    both = client.get(
        FEED_PATH,
        headers={"If-None-Match": '"other"', "If-Modified-Since": full.headers["Last-Modified"]},
    )
    assert both.status_code == 200


MALFORMED = [
    ({"If-None-Match": "garbage"}, 200),
    ({"If-None-Match": ""}, 200),
    ({"If-None-Match": '"' * 5000}, 200),
    ({"If-None-Match": ", ".join(f'"{n}"' for n in range(2000))}, 200),
    ({"If-None-Match": "\x00\x01 W/ ,,, *x"}, 200),
    ({"If-Modified-Since": "garbage"}, 200),
    ({"If-Modified-Since": ""}, 200),
    ({"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"}, 200),  # in the future
    ({"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, 200),
    ({"If-Modified-Since": "x" * 8000}, 200),
    ({"If-None-Match": "*"}, 304),  # any current representation matches
    ({"If-None-Match": "W/{etag}"}, 304),  # weak comparison, as the RFC says for GET
    ({"If-None-Match": '"other", {etag}'}, 304),
    ({"If-Modified-Since": "{date}"}, 304),
]


@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
@pytest.mark.parametrize(("headers", "status"), MALFORMED)
def test_conditional_headers_of_any_shape_never_fail(
    app: Flask, client: FlaskClient, headers: dict[str, str], status: int, cached: bool
) -> None:
    _seed(app)
    app.config["PUBLIC_CACHE"] = cached
    full = client.get(FEED_PATH)
    values = {"etag": full.headers["ETag"], "date": full.headers["Last-Modified"]}
    asked = {
        name: value.format(**values) if "{" in value else value for name, value in headers.items()
    }
    for _attempt in range(2):  # a miss, then a hit
        response = client.get(FEED_PATH, headers=asked)
        assert response.status_code == status
        assert response.headers["ETag"] == full.headers["ETag"]
        assert (response.data == b"") == (status == 304)


def test_signed_in_pages_are_never_answered_from_a_shared_entry(app: Flask) -> None:
    _seed(app)
    anonymous = app.test_client()
    home = anonymous.get("/")
    signed_in = app.test_client()
    signed_in.post("/auth/login", data={"email": "feeder@example.com", "password": TEST_PASSWORD})
    personal = signed_in.get("/", headers={"If-None-Match": home.headers["ETag"]})
    assert personal.status_code == 200
    assert "X-Folio-Cache" not in personal.headers
    assert b"feeder" in personal.data
    token = app.test_client().get(
        "/api/v1/articles",
        headers={"Authorization": "Bearer x", "If-None-Match": home.headers["ETag"]},
    )
    assert "X-Folio-Cache" not in token.headers


def test_a_signed_in_reader_gets_a_304_for_the_feed_which_is_everyone_s(app: Flask) -> None:
    _seed(app)
    full = app.test_client().get(FEED_PATH)
    signed_in = app.test_client()
    signed_in.post("/auth/login", data={"email": "feeder@example.com", "password": TEST_PASSWORD})
    response = signed_in.get(FEED_PATH, headers={"If-None-Match": full.headers["ETag"]})
    assert "X-Folio-Cache" not in response.headers  # not through the shared cache
    assert response.status_code == 304
    assert response.headers["ETag"] == full.headers["ETag"]
    own = signed_in.get(FEED_PATH)
    assert own.status_code == 200
    assert own.data == full.data


@pytest.mark.parametrize(
    "app_overrides", [{"PUBLIC_CACHE": True, "PUBLIC_CACHE_LOCAL_SECONDS": 5.0}]
)
def test_local_copies_answer_conditional_requests_and_forget_them_on_a_write(
    app: Flask, client: FlaskClient
) -> None:
    slug = _seed(app)
    full = client.get(FEED_PATH)
    etag = {"If-None-Match": full.headers["ETag"]}
    assert client.get(FEED_PATH, headers=etag).status_code == 304
    _change(app, _rename, slug)
    after = client.get(FEED_PATH, headers=etag)
    assert after.status_code == 200
    assert b"Renamed" in after.data
