"""Lists: filters, the page envelope, Link headers, cursors, the cap, the query budget."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Account, assert_error

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def links(response: Any) -> dict[str, dict[str, list[str]]]:
    """rel -> the query of its target."""
    return {
        rel: parse_qs(urlsplit(url).query) for url, rel in LINK.findall(response.headers["Link"])
    }


def slugs(response: Any) -> list[str]:
    return [item["slug"] for item in response.get_json()["items"]]


@pytest.fixture
def seven(make_article: Callable[..., str], alice: Account) -> list[str]:
    """Seven published articles by alice, newest first."""
    return [make_article(alice) for _ in range(7)][::-1]


def test_the_envelope_and_link_headers(client: FlaskClient, seven: list[str]) -> None:
    response = client.get("/api/v1/articles?page=2&page_size=3")
    body = response.get_json()

    assert (body["total"], body["page"], body["pages"], body["page_size"]) == (7, 2, 3, 3)
    assert slugs(response) == seven[3:6]
    assert "body" not in body["items"][0]  # lists leave the body out
    rels = links(response)
    assert set(rels) == {"first", "prev", "next", "last"}
    assert rels["first"]["page"] == ["1"]
    assert rels["last"]["page"] == ["3"]
    assert rels["prev"]["page"] == ["1"]
    assert rels["next"]["page"] == ["3"]
    assert all(query["page_size"] == ["3"] for query in rels.values())


def test_following_next_links_and_cursors_visits_every_article_once(
    client: FlaskClient, seven: list[str]
) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/articles?page_size=3"
    while url:
        response = client.get(url)
        seen += slugs(response)
        nexts = LINK.findall(response.headers["Link"])
        url = next((target for target, rel in nexts if rel == "next"), None)
        if url:
            assert "cursor=" in url  # deep pages go by keyset, not offset
    assert seen == seven


def test_a_cursor_page_equals_the_offset_page(client: FlaskClient, seven: list[str]) -> None:
    first = client.get("/api/v1/articles?page_size=2").get_json()
    cursor = first["next_cursor"]
    assert cursor
    by_cursor = client.get(f"/api/v1/articles?page_size=2&page=2&cursor={cursor}")
    by_offset = client.get("/api/v1/articles?page_size=2&page=2")
    assert slugs(by_cursor) == slugs(by_offset) == seven[2:4]


def test_the_last_page_has_no_next_cursor(client: FlaskClient, seven: list[str]) -> None:
    body = client.get("/api/v1/articles?page_size=7").get_json()
    assert body["next_cursor"] is None
    assert 'rel="next"' not in client.get("/api/v1/articles?page_size=7").headers["Link"]


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        _cursor([]),
        _cursor(["x", 1]),
        _cursor(["2026-01-01T00:00:00", 1]),  # no time zone
        _cursor(["2026-01-01T00:00:00+00:00", 10**30]),  # past any database integer
        _cursor(["2026-01-01T00:00:00+00:00", True]),
    ],
)
def test_a_bad_cursor_is_422(client: FlaskClient, cursor: str) -> None:
    assert_error(client.get(f"/api/v1/articles?cursor={cursor}"), 422, "cursor")


@pytest.mark.parametrize(
    ("query", "field"),
    [("page=0", "page"), ("page=x", "page"), ("page_size=0", "page_size"), ("status=x", "status")],
)
def test_bad_paging_arguments_are_422(client: FlaskClient, query: str, field: str) -> None:
    assert_error(client.get(f"/api/v1/articles?{query}"), 422, field)


@pytest.mark.parametrize("app_overrides", [{"API_MAX_PAGE_SIZE": 5}])
def test_page_size_is_capped(client: FlaskClient, seven: list[str]) -> None:
    body = client.get("/api/v1/articles?page_size=1000").get_json()
    assert (body["page_size"], len(body["items"]), body["pages"]) == (5, 5, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=blue", "colour"),
        ("page=0", "page"),
        ("page=100001", "page"),
        ("page_size=0", "page_size"),
        ("page=two", "page"),
    ],
)
def test_bad_or_unknown_list_arguments_are_named(
    client: FlaskClient, query: str, field: str
) -> None:
    for path in ("/api/v1/articles", "/api/v1/tags", "/api/v1/articles/no-such/comments"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query)
        assert field in response.get_json()["errors"], (path, response.get_json())


def test_a_page_past_the_end_is_empty_not_an_error(client: FlaskClient, seven: list[str]) -> None:
    body = client.get("/api/v1/articles?page=99&page_size=5").get_json()
    assert (body["items"], body["total"], body["pages"]) == ([], 7, 2)


def test_filters(
    client: FlaskClient,
    make_article: Callable[..., str],
    alice: Account,
    bob: Account,
) -> None:
    flask_one = make_article(alice, tags=["flask"], title="Flask routing explained")
    python_one = make_article(bob, tags=["python"], title="Python generators")
    make_article(bob, draft=True, title="Unfinished Flask thoughts")
    client.post(f"/api/v1/articles/{python_one}/favorite", headers=alice.headers)

    assert slugs(client.get("/api/v1/articles?tag=flask")) == [flask_one]
    assert slugs(client.get("/api/v1/articles?author=BOB")) == [python_one]
    assert slugs(client.get("/api/v1/articles?favorited=alice")) == [python_one]
    assert slugs(client.get("/api/v1/articles?q=flask")) == [flask_one]
    assert slugs(client.get("/api/v1/articles?q=generators")) == [python_one]
    assert slugs(client.get("/api/v1/articles?tag=flask&author=bob")) == []


def test_own_drafts_and_all_own_articles(
    client: FlaskClient, make_article: Callable[..., str], alice: Account, bob: Account
) -> None:
    published = make_article(alice)
    draft = make_article(alice, draft=True)
    make_article(bob, draft=True)

    drafts = client.get("/api/v1/articles?status=draft", headers=alice.headers)
    assert slugs(drafts) == [draft]
    mine = client.get("/api/v1/articles?status=mine", headers=alice.headers)
    assert set(slugs(mine)) == {draft, published}
    assert slugs(client.get("/api/v1/articles")) == [published]
    assert_error(client.get("/api/v1/articles?status=draft"), 401, "token")


def test_the_list_shows_the_viewers_flags(
    client: FlaskClient, make_article: Callable[..., str], alice: Account, bob: Account
) -> None:
    slug = make_article(bob)
    client.post(f"/api/v1/articles/{slug}/favorite", headers=alice.headers)
    client.post("/api/v1/profiles/bob/follow", headers=alice.headers)

    item = client.get("/api/v1/articles", headers=alice.headers).get_json()["items"][0]
    assert item["favorited"] is True
    assert item["author"]["following"] is True
    anonymous = client.get("/api/v1/articles").get_json()["items"][0]
    assert anonymous["favorited"] is False
    assert anonymous["author"]["following"] is False


def test_the_feed_shows_followed_authors_only(
    client: FlaskClient,
    make_article: Callable[..., str],
    make_user: Callable[..., Account],
    alice: Account,
    bob: Account,
) -> None:
    carol = make_user(username="carol")
    followed = make_article(bob)
    make_article(carol)
    client.post("/api/v1/profiles/bob/follow", headers=alice.headers)

    response = client.get("/api/v1/feed", headers=alice.headers)
    assert slugs(response) == [followed]
    assert response.get_json()["total"] == 1


def test_listing_20_articles_takes_the_same_queries_whatever_the_page_size(
    client: FlaskClient,
    make_article: Callable[..., str],
    make_user: Callable[..., Account],
    alice: Account,
    count_queries: Any,
) -> None:
    # Twenty articles by different authors, each with tags: N+1 would show at once.
    for n in range(20):
        make_article(make_user(), tags=[f"t{n}", "shared"])
    counts = {}
    for size in (5, 50):
        for who in ("anonymous", "signed in"):
            headers = alice.headers if who == "signed in" else {}
            with count_queries() as counted:
                response = client.get(f"/api/v1/articles?page_size={size}", headers=headers)
            assert response.status_code == 200
            assert len(response.get_json()["items"]) == min(size, 20)
            counts[size, who] = counted.count
    assert counts[5, "anonymous"] == counts[50, "anonymous"] <= 3
    assert counts[5, "signed in"] == counts[50, "signed in"] <= 5


def test_tags_most_used_first_with_pages(
    client: FlaskClient, make_article: Callable[..., str], alice: Account
) -> None:
    make_article(alice, tags=["python", "flask"])
    make_article(alice, tags=["python"])
    make_article(alice, tags=["hidden"], draft=True)

    response = client.get("/api/v1/tags?page_size=1")
    body = response.get_json()
    assert (body["items"], body["total"], body["pages"]) == (["python"], 2, 2)
    assert links(response)["next"]["page"] == ["2"]
    assert client.get("/api/v1/tags?page=2&page_size=1").get_json()["items"] == ["flask"]
