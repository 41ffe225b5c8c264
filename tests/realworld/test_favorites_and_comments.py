"""Favorites, comments and tags."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.realworld.helpers import TIMESTAMP, Account, errors_of

# --- favorites ------------------------------------------------------------------------------


def test_favorite_and_unfavorite(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(bob)
    response = client.post(f"/api/articles/{slug}/favorite", headers=alice.headers)
    assert response.status_code == 200
    article = response.get_json()["article"]
    assert (article["favorited"], article["favoritesCount"]) == (True, 1)
    assert article["body"]
    # Twice is still one favorite.
    again = client.post(f"/api/articles/{slug}/favorite", headers=alice.headers).get_json()
    assert again["article"]["favoritesCount"] == 1
    seen = client.get(f"/api/articles/{slug}", headers=alice.headers).get_json()["article"]
    assert (seen["favorited"], seen["favoritesCount"]) == (True, 1)

    response = client.delete(f"/api/articles/{slug}/favorite", headers=alice.headers)
    assert response.status_code == 200
    article = response.get_json()["article"]
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    again = client.delete(f"/api/articles/{slug}/favorite", headers=alice.headers).get_json()
    assert again["article"]["favoritesCount"] == 0


def test_favorite_reports_whether_the_viewer_follows_the_author(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(bob)
    client.post("/api/profiles/bob/follow", headers=alice.headers)
    article = client.post(f"/api/articles/{slug}/favorite", headers=alice.headers).get_json()
    assert article["article"]["author"]["following"] is True


@pytest.mark.parametrize("method", ["post", "delete"])
def test_favorite_needs_a_token_then_an_article(
    client: FlaskClient, alice: Account, method: str
) -> None:
    response = getattr(client, method)("/api/articles/nothing/favorite")
    assert (response.status_code, errors_of(response)) == (401, {"token": ["is missing"]})
    response = getattr(client, method)("/api/articles/nothing/favorite", headers=alice.headers)
    assert (response.status_code, errors_of(response)) == (404, {"article": ["not found"]})


# --- comments -------------------------------------------------------------------------------


def comment(client: FlaskClient, who: Account, slug: str, body: object) -> object:
    return client.post(
        f"/api/articles/{slug}/comments", headers=who.headers, json={"comment": {"body": body}}
    )


def test_add_and_list_comments(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice)
    response = comment(client, bob, slug, "  Nice one  ")
    assert response.status_code == 201
    created = response.get_json()["comment"]
    assert isinstance(created["id"], int)
    assert created["body"] == "Nice one"
    assert TIMESTAMP.match(created["createdAt"])
    assert TIMESTAMP.match(created["updatedAt"])
    assert created["author"] == {"username": "bob", "bio": None, "image": None, "following": False}
    comment(client, alice, slug, "Thanks")

    listed = client.get(f"/api/articles/{slug}/comments").get_json()["comments"]
    assert [(c["author"]["username"], c["body"]) for c in listed] == [
        ("bob", "Nice one"),
        ("alice", "Thanks"),
    ]
    assert listed[0]["id"] == created["id"]

    client.post("/api/profiles/bob/follow", headers=alice.headers)
    listed = client.get(f"/api/articles/{slug}/comments", headers=alice.headers).get_json()
    assert [c["author"]["following"] for c in listed["comments"]] == [True, False]


def test_a_blank_comment_is_422(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice)
    for body in ("", "   ", None):
        response = comment(client, alice, slug, body)
        assert response.status_code == 422
        assert errors_of(response) == {"body": ["can't be blank"]}
    response = comment(client, alice, slug, ["not", "text"])
    assert response.status_code == 422
    assert errors_of(response) == {"body": ["must be a string"]}


def test_comments_on_an_unknown_article_are_404(client: FlaskClient, alice: Account) -> None:
    for response in (
        comment(client, alice, "nothing", "hello"),
        client.get("/api/articles/nothing/comments"),
        client.delete("/api/articles/nothing/comments/1", headers=alice.headers),
    ):
        assert response.status_code == 404
        assert errors_of(response) == {"article": ["not found"]}


def test_comments_need_a_token_to_write(client: FlaskClient) -> None:
    for response in (
        client.post("/api/articles/nothing/comments", json={"comment": {"body": "x"}}),
        client.delete("/api/articles/nothing/comments/1"),
    ):
        assert response.status_code == 401
        assert errors_of(response) == {"token": ["is missing"]}


def test_the_comment_author_deletes_a_comment(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice)
    first = comment(client, bob, slug, "first").get_json()["comment"]["id"]
    comment(client, bob, slug, "second")
    response = client.delete(f"/api/articles/{slug}/comments/{first}", headers=bob.headers)
    assert response.status_code == 204
    listed = client.get(f"/api/articles/{slug}/comments").get_json()["comments"]
    assert [c["body"] for c in listed] == ["second"]
    # It is gone: deleting again is a 404 naming the comment.
    response = client.delete(f"/api/articles/{slug}/comments/{first}", headers=bob.headers)
    assert (response.status_code, errors_of(response)) == (404, {"comment": ["not found"]})


def test_the_article_author_may_delete_comments_others_may_not(
    client: FlaskClient,
    alice: Account,
    bob: Account,
    make_user: Callable[..., Account],
    make_article: Callable[..., str],
) -> None:
    carol = make_user(username="carol")
    slug = make_article(alice)
    by_bob = comment(client, bob, slug, "bob's").get_json()["comment"]["id"]
    response = client.delete(f"/api/articles/{slug}/comments/{by_bob}", headers=carol.headers)
    assert (response.status_code, errors_of(response)) == (403, {"comment": ["forbidden"]})
    assert len(client.get(f"/api/articles/{slug}/comments").get_json()["comments"]) == 1
    response = client.delete(f"/api/articles/{slug}/comments/{by_bob}", headers=alice.headers)
    assert response.status_code == 204


@pytest.mark.parametrize("comment_id", ["99999", "abc", "1e3", "99999999999999999999999"])
def test_deleting_a_missing_comment_is_404_naming_it(
    client: FlaskClient, alice: Account, make_article: Callable[..., str], comment_id: str
) -> None:
    slug = make_article(alice)
    response = client.delete(f"/api/articles/{slug}/comments/{comment_id}", headers=alice.headers)
    assert (response.status_code, errors_of(response)) == (404, {"comment": ["not found"]})


def test_a_comment_id_from_another_article_is_not_found(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    one, other = make_article(alice), make_article(alice)
    comment_id = comment(client, alice, one, "here").get_json()["comment"]["id"]
    response = client.delete(f"/api/articles/{other}/comments/{comment_id}", headers=alice.headers)
    assert (response.status_code, errors_of(response)) == (404, {"comment": ["not found"]})


# --- tags -----------------------------------------------------------------------------------


def test_tags_lists_tags_of_published_articles_most_used_first(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    assert client.get("/api/tags").get_json() == {"tags": []}
    make_article(alice, tags=["python", "flask"])
    make_article(alice, tags=["python"])
    make_article(alice, tags=["hidden"], draft=True)
    response = client.get("/api/tags")
    assert response.status_code == 200
    assert response.get_json() == {"tags": ["python", "flask"]}
