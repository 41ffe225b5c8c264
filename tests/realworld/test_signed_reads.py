"""Signed-in reads of the article lists: each viewer sees their own flags, with the public
cache on or off, in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.realworld.helpers import Account


@pytest.fixture(params=[False, True], ids=["cache-off", "cache-on"])
def app_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"PUBLIC_CACHE": request.param}


@pytest.fixture
def two_readers(
    client: FlaskClient,
    alice: Account,
    bob: Account,
    make_user: Callable[..., Account],
    make_article: Callable[..., str],
) -> dict[str, str]:
    """Alice favorites Carol's article and follows Dave; Bob the other way round."""
    carol, dave = make_user(username="carol"), make_user(username="dave")
    slugs = {"carol": make_article(carol), "dave": make_article(dave)}
    for reader, favorite, follow in ((alice, "carol", "dave"), (bob, "dave", "carol")):
        answer = client.post(f"/api/articles/{slugs[favorite]}/favorite", headers=reader.headers)
        assert answer.status_code == 200
        answer = client.post(f"/api/profiles/{follow}/follow", headers=reader.headers)
        assert answer.status_code == 200
    return slugs


def _flags(response: Any) -> dict[str, tuple[bool, bool, int]]:
    assert response.status_code == 200
    return {
        item["slug"]: (item["favorited"], item["author"]["following"], item["favoritesCount"])
        for item in response.get_json()["articles"]
    }


def test_each_reader_sees_only_their_own_flags(
    client: FlaskClient, alice: Account, bob: Account, two_readers: dict[str, str]
) -> None:
    carol, dave = two_readers["carol"], two_readers["dave"]
    anonymous = {carol: (False, False, 1), dave: (False, False, 1)}
    expected = {
        "alice": {carol: (True, False, 1), dave: (False, True, 1)},
        "bob": {carol: (False, True, 1), dave: (True, False, 1)},
    }

    # Twice round, so that with the cache on the anonymous list is stored and then served.
    for _ in range(2):
        assert _flags(client.get("/api/articles")) == anonymous
        alice_list = client.get("/api/articles", headers=alice.headers)
        bob_list = client.get("/api/articles", headers=bob.headers)
        assert _flags(alice_list) == expected["alice"]
        assert _flags(bob_list) == expected["bob"]
        assert alice_list.headers.get("X-Folio-Cache") != "hit"
        assert bob_list.headers.get("X-Folio-Cache") != "hit"
    assert _flags(client.get("/api/articles")) == anonymous


def test_each_reader_sees_their_own_feed_and_flags_on_api_v1(
    client: FlaskClient, alice: Account, bob: Account, two_readers: dict[str, str]
) -> None:
    carol, dave = two_readers["carol"], two_readers["dave"]

    assert _flags(client.get("/api/articles/feed", headers=alice.headers)) == {
        dave: (False, True, 1)
    }
    assert _flags(client.get("/api/articles/feed", headers=bob.headers)) == {
        carol: (False, True, 1)
    }
    for reader, favorite, follow in ((alice, carol, dave), (bob, dave, carol)):
        headers = {"Authorization": f"Bearer {reader.token}"}
        items = client.get("/api/v1/articles", headers=headers).get_json()["items"]
        flags = {item["slug"]: (item["favorited"], item["author"]["following"]) for item in items}
        assert flags == {favorite: (True, False), follow: (False, True)}


@pytest.mark.parametrize(
    ("path", "signed_in", "statements"),
    [
        # The token's user and its revocation (one statement), the page, the total.
        ("/api/articles?limit={limit}", True, 3),
        ("/api/articles/feed?limit={limit}", True, 3),
        ("/api/articles?limit={limit}", False, 2),
        ("/api/v1/articles?page_size={limit}", True, 3),
        ("/api/v1/articles?page_size={limit}", False, 2),
    ],
)
def test_a_list_costs_the_same_few_statements_at_any_size(
    client: FlaskClient,
    alice: Account,
    two_readers: dict[str, str],
    make_article: Callable[..., str],
    make_user: Callable[..., Account],
    count_queries: Any,
    path: str,
    signed_in: bool,
    statements: int,
) -> None:
    dave = make_user(username="dave2")
    for _ in range(4):
        make_article(dave)
    client.post("/api/profiles/dave2/follow", headers=alice.headers)
    scheme = "Bearer" if path.startswith("/api/v1") else "Token"
    headers = {"Authorization": f"{scheme} {alice.token}"} if signed_in else {}
    counts = {}
    for limit in (1, 20):
        with count_queries() as counted:
            response = client.get(path.format(limit=limit), headers=headers)
        assert response.status_code == 200
        # With the cache on, each size's first anonymous request is a miss: counted too.
        assert response.headers.get("X-Folio-Cache") != "hit"
        counts[limit] = counted.count
    assert counts == {1: statements, 20: statements}


@pytest.mark.parametrize("app_overrides", [{"PUBLIC_CACHE": True}], ids=["cache-on"])
def test_with_the_cache_on_a_reader_gets_the_shared_list_with_their_own_flags(
    client: FlaskClient,
    alice: Account,
    bob: Account,
    two_readers: dict[str, str],
    count_queries: Any,
) -> None:
    carol, dave = two_readers["carol"], two_readers["dave"]
    anonymous = client.get("/api/articles")
    assert anonymous.headers["X-Folio-Cache"] == "miss"

    with count_queries() as counted:
        alice_list = client.get("/api/articles", headers=alice.headers)
    # The token's user and the flags: the list itself came from the public cache.
    assert counted.count == 2
    assert _flags(alice_list) == {carol: (True, False, 1), dave: (False, True, 1)}
    assert alice_list.get_json()["articlesCount"] == anonymous.get_json()["articlesCount"]

    # A write makes the shared list stale: the next read is built afresh, flags included.
    client.post(f"/api/articles/{dave}/favorite", headers=alice.headers)
    with count_queries() as counted:
        after = client.get("/api/articles", headers=alice.headers)
    assert counted.count == 3
    assert _flags(after) == {carol: (True, False, 1), dave: (True, True, 2)}
    assert _flags(client.get("/api/articles", headers=bob.headers)) == {
        carol: (False, True, 1),
        dave: (True, False, 2),
    }
    # A bad page size is still refused, whether or not a shared list exists.
    assert client.get("/api/articles?limit=x", headers=alice.headers).status_code == 422
