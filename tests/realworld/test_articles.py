"""The article endpoints: list, feed, read, create, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.articles.rules import favorite_article
from folio.extensions import db
from folio.models import User
from tests.factories import ArticleFactory, UserFactory
from tests.realworld.helpers import TIMESTAMP, Account, errors_of

NEW = {"title": "How to train your dragon", "description": "Ever wonder how?", "body": "Very."}


def create(client: FlaskClient, who: Account, **fields: Any) -> Any:
    return client.post("/api/articles", headers=who.headers, json={"article": {**NEW, **fields}})


def update(client: FlaskClient, who: Account, slug: str, **fields: Any) -> Any:
    return client.put(f"/api/articles/{slug}", headers=who.headers, json={"article": fields})


# --- create ---------------------------------------------------------------------------------


def test_create_publishes_at_once_and_returns_the_article(
    client: FlaskClient, alice: Account
) -> None:
    response = create(client, alice, tagList=["Training", "dragons", "training"])
    assert response.status_code == 201
    article = response.get_json()["article"]
    assert article["slug"] == "how-to-train-your-dragon"
    assert (article["title"], article["description"], article["body"]) == (
        NEW["title"],
        NEW["description"],
        NEW["body"],
    )
    # Tags are normalised by the service and listed alphabetically.
    assert article["tagList"] == ["dragons", "training"]
    assert TIMESTAMP.match(article["createdAt"])
    assert TIMESTAMP.match(article["updatedAt"])
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {
        "username": "alice",
        "bio": None,
        "image": None,
        "following": False,
    }
    # Published: anyone can read it and it is listed.
    assert client.get("/api/articles/how-to-train-your-dragon").status_code == 200
    assert client.get("/api/articles").get_json()["articlesCount"] == 1


def test_create_without_tags_gives_an_empty_list(client: FlaskClient, alice: Account) -> None:
    assert create(client, alice).get_json()["article"]["tagList"] == []


def test_duplicate_titles_get_distinct_slugs(client: FlaskClient, alice: Account) -> None:
    first = create(client, alice).get_json()["article"]["slug"]
    second = create(client, alice).get_json()["article"]["slug"]
    assert first != second
    assert second.startswith("how-to-train-your-dragon")


def test_create_names_every_blank_field(client: FlaskClient, alice: Account) -> None:
    response = create(client, alice, title=" ", description="", body=None)
    assert response.status_code == 422
    assert errors_of(response) == {
        "title": ["can't be blank"],
        "description": ["can't be blank"],
        "body": ["can't be blank"],
    }
    assert client.get("/api/articles").get_json()["articlesCount"] == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": 42}, "title"),
        ({"body": {"text": "x"}}, "body"),
        ({"tagList": "dragons"}, "tagList"),
        ({"tagList": ["ok", 3]}, "tagList"),
        ({"tagList": [f"t{n}" for n in range(11)]}, "tagList"),
    ],
    ids=["title number", "body object", "tags string", "tag number", "too many tags"],
)
def test_create_refuses_wrongly_typed_fields(
    client: FlaskClient, alice: Account, fields: dict[str, Any], field: str
) -> None:
    response = create(client, alice, **fields)
    assert response.status_code == 422
    assert field in errors_of(response)


def test_create_needs_a_token_before_the_body_is_read(client: FlaskClient) -> None:
    response = client.post("/api/articles", data=b"{not json", content_type="application/json")
    assert response.status_code == 401
    assert errors_of(response) == {"token": ["is missing"]}


def test_malformed_json_is_a_400(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/articles", headers=alice.headers, data=b"{", content_type="application/json"
    )
    assert response.status_code == 400
    assert errors_of(response) == {"body": ["is malformed"]}


# --- read -----------------------------------------------------------------------------------


def test_read_an_article_anonymously(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, tags=["b", "a"], body="The *body*")
    response = client.get(f"/api/articles/{slug}")
    assert response.status_code == 200
    article = response.get_json()["article"]
    assert article["body"] == "The *body*"
    assert article["tagList"] == ["a", "b"]
    assert article["favorited"] is False


def test_an_unknown_slug_is_404(client: FlaskClient) -> None:
    response = client.get("/api/articles/nothing-here")
    assert response.status_code == 404
    assert errors_of(response) == {"article": ["not found"]}


def test_a_draft_is_hidden_from_everyone_but_its_author(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True)
    for headers in ({}, bob.headers):
        response = client.get(f"/api/articles/{slug}", headers=headers)
        assert response.status_code == 404
        assert errors_of(response) == {"article": ["not found"]}
        for path in ("/favorite", "/comments"):
            assert (
                client.post(f"/api/articles/{slug}{path}", headers=bob.headers).status_code == 404
            )
    assert client.get(f"/api/articles/{slug}", headers=alice.headers).status_code == 200
    # Bob cannot change or delete it either, nor learn that it exists.
    assert update(client, bob, slug, body="mine now").status_code == 404
    assert client.delete(f"/api/articles/{slug}", headers=bob.headers).status_code == 404


def test_drafts_never_appear_in_lists_even_to_their_author(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    make_article(alice, draft=True, tags=["secret"])
    published = make_article(alice, tags=["secret"])
    for headers in ({}, alice.headers):
        for query in ("", "?author=alice", "?tag=secret"):
            body = client.get(f"/api/articles{query}", headers=headers).get_json()
            assert [a["slug"] for a in body["articles"]] == [published]
            assert body["articlesCount"] == 1
    assert client.get("/api/tags").get_json()["tags"] == ["secret"]


# --- lists ----------------------------------------------------------------------------------


def test_lists_are_newest_first_without_bodies_and_count_every_match(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slugs = [make_article(alice) for _ in range(3)]
    body = client.get("/api/articles?limit=2").get_json()
    assert body["articlesCount"] == 3
    assert [a["slug"] for a in body["articles"]] == [slugs[2], slugs[1]]
    assert all("body" not in a for a in body["articles"])
    assert all(TIMESTAMP.match(a["createdAt"]) for a in body["articles"])
    second = client.get("/api/articles?limit=2&offset=2").get_json()
    assert [a["slug"] for a in second["articles"]] == [slugs[0]]
    assert second["articlesCount"] == 3


def test_lists_filter_by_tag_author_and_favorited(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    tagged = make_article(alice, tags=["dragons"])
    by_bob = make_article(bob)
    make_article(alice)
    client.post(f"/api/articles/{by_bob}/favorite", headers=alice.headers)

    def slugs(query: str) -> list[str]:
        return [a["slug"] for a in client.get(f"/api/articles?{query}").get_json()["articles"]]

    assert slugs("tag=dragons") == [tagged]
    assert slugs("tag=Dragons") == [tagged]
    assert slugs("author=bob") == [by_bob]
    assert slugs("favorited=alice") == [by_bob]
    assert slugs("favorited=bob") == []
    assert slugs("author=nobody") == []
    assert slugs("author=alice&tag=dragons") == [tagged]


def test_lists_carry_the_viewers_flags(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(bob)
    client.post("/api/profiles/bob/follow", headers=alice.headers)
    client.post(f"/api/articles/{slug}/favorite", headers=alice.headers)
    item = client.get("/api/articles", headers=alice.headers).get_json()["articles"][0]
    assert (item["favorited"], item["favoritesCount"], item["author"]["following"]) == (
        True,
        1,
        True,
    )
    item = client.get("/api/articles").get_json()["articles"][0]
    assert (item["favorited"], item["favoritesCount"], item["author"]["following"]) == (
        False,
        1,
        False,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=-5", "limit"),
        ("limit=1.5", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("offset=99999999999999999999999999", "offset"),
        ("offset=3000000000", "offset"),
    ],
)
@pytest.mark.parametrize("path", ["/api/articles", "/api/articles/feed"])
def test_bad_limit_or_offset_is_422_naming_the_field(
    client: FlaskClient, alice: Account, query: str, field: str, path: str
) -> None:
    response = client.get(f"{path}?{query}", headers=alice.headers)
    assert response.status_code == 422
    assert field in errors_of(response)


def test_a_large_limit_is_cut_to_the_maximum_page(
    app: Flask, client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    for _ in range(3):
        make_article(alice)
    app.config["API_MAX_PAGE_SIZE"] = 2
    for limit in ("50", "99999999999999999999999"):
        body = client.get(f"/api/articles?limit={limit}").get_json()
        assert len(body["articles"]) == 2
        assert body["articlesCount"] == 3


def test_a_list_takes_the_same_number_of_queries_whatever_the_limit(
    client: FlaskClient,
    alice: Account,
    in_app: Callable[..., Any],
    count_queries: Any,
) -> None:
    def seed() -> str:
        viewer = db.session.get(User, alice.id)
        authors = [UserFactory() for _ in range(6)]
        for n in range(60):
            article = ArticleFactory(author=authors[n % 6], tags=[f"tag{n % 7}", "common"])
            if n % 3 == 0:
                favorite_article(db.session, viewer, article)
        return authors[0].username

    followed = in_app(seed)
    client.post(f"/api/profiles/{followed}/follow", headers=alice.headers)
    counts = {}
    for limit in (5, 50):
        with count_queries() as counted:
            response = client.get(f"/api/articles?limit={limit}", headers=alice.headers)
        assert len(response.get_json()["articles"]) == limit
        counts[limit] = counted.count
    assert counts[5] == counts[50]
    # The token (revocation, user), the rows with authors and flags, their tags, the total.
    assert counts[50] <= 5
    with count_queries() as counted:
        client.get("/api/articles?limit=50")
    assert counted.count <= counts[50]


# --- feed -----------------------------------------------------------------------------------


def test_the_feed_needs_a_token(client: FlaskClient) -> None:
    response = client.get("/api/articles/feed")
    assert response.status_code == 401
    assert errors_of(response) == {"token": ["is missing"]}


def test_the_feed_shows_published_articles_of_followed_authors(
    client: FlaskClient,
    alice: Account,
    bob: Account,
    make_user: Callable[..., Account],
    make_article: Callable[..., str],
) -> None:
    carol = make_user(username="carol")
    assert client.get("/api/articles/feed", headers=alice.headers).get_json() == {
        "articles": [],
        "articlesCount": 0,
    }
    first, second = make_article(bob), make_article(bob)
    make_article(bob, draft=True)
    make_article(carol)
    make_article(alice)
    client.post("/api/profiles/bob/follow", headers=alice.headers)

    body = client.get("/api/articles/feed", headers=alice.headers).get_json()
    assert [a["slug"] for a in body["articles"]] == [second, first]
    assert body["articlesCount"] == 2
    assert all(a["author"]["following"] for a in body["articles"])
    assert all("body" not in a for a in body["articles"])
    page = client.get("/api/articles/feed?limit=1&offset=1", headers=alice.headers).get_json()
    assert ([a["slug"] for a in page["articles"]], page["articlesCount"]) == ([first], 2)


# --- update ---------------------------------------------------------------------------------


def test_update_changes_only_what_is_sent_and_moves_updated_at(
    client: FlaskClient, alice: Account
) -> None:
    created = create(client, alice, tagList=["a", "b"]).get_json()["article"]
    slug = created["slug"]
    response = update(client, alice, slug, body="New body")
    assert response.status_code == 200
    article = response.get_json()["article"]
    assert article["body"] == "New body"
    assert (article["title"], article["description"]) == (NEW["title"], NEW["description"])
    assert article["tagList"] == ["a", "b"]
    assert article["createdAt"] == created["createdAt"]
    assert article["updatedAt"] > created["updatedAt"]
    assert client.get(f"/api/articles/{slug}").get_json()["article"]["body"] == "New body"


def test_update_tags_empty_list_clears_null_is_refused(client: FlaskClient, alice: Account) -> None:
    slug = create(client, alice, tagList=["a", "b"]).get_json()["article"]["slug"]
    response = update(client, alice, slug, tagList=None)
    assert response.status_code == 422
    assert "tagList" in errors_of(response)
    assert update(client, alice, slug, tagList=["c", "A"]).get_json()["article"]["tagList"] == [
        "a",
        "c",
    ]
    assert update(client, alice, slug, tagList=[]).get_json()["article"]["tagList"] == []
    assert client.get(f"/api/articles/{slug}").get_json()["article"]["tagList"] == []


def test_a_published_articles_slug_survives_a_new_title(
    client: FlaskClient, alice: Account
) -> None:
    slug = create(client, alice).get_json()["article"]["slug"]
    article = update(client, alice, slug, title="A better title").get_json()["article"]
    assert (article["slug"], article["title"]) == (slug, "A better title")


def test_update_refuses_blanking_a_required_field(client: FlaskClient, alice: Account) -> None:
    slug = create(client, alice).get_json()["article"]["slug"]
    response = update(client, alice, slug, title="", body=None)
    assert response.status_code == 422
    assert set(errors_of(response)) == {"title", "body"}
    assert client.get(f"/api/articles/{slug}").get_json()["article"]["title"] == NEW["title"]


def test_only_the_author_may_update(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, body="original")
    response = update(client, bob, slug, body="hijacked")
    assert response.status_code == 403
    assert errors_of(response) == {"article": ["forbidden"]}
    assert client.get(f"/api/articles/{slug}").get_json()["article"]["body"] == "original"


def test_update_needs_a_token_first_then_an_existing_article(
    client: FlaskClient, alice: Account
) -> None:
    response = client.put("/api/articles/nothing", json={"article": {"body": "x"}})
    assert (response.status_code, errors_of(response)) == (401, {"token": ["is missing"]})
    response = update(client, alice, "nothing", body="x")
    assert (response.status_code, errors_of(response)) == (404, {"article": ["not found"]})


# --- delete ---------------------------------------------------------------------------------


def test_the_author_deletes_an_article(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice)
    response = client.delete(f"/api/articles/{slug}", headers=alice.headers)
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/articles/{slug}").status_code == 404


def test_others_may_not_delete(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice)
    response = client.delete(f"/api/articles/{slug}", headers=bob.headers)
    assert response.status_code == 403
    assert errors_of(response) == {"article": ["forbidden"]}
    assert client.get(f"/api/articles/{slug}").status_code == 200


def test_an_admin_may_delete_as_on_every_face(
    client: FlaskClient,
    alice: Account,
    make_user: Callable[..., Account],
    make_article: Callable[..., str],
) -> None:
    admin = make_user(admin=True)
    slug = make_article(alice)
    assert client.delete(f"/api/articles/{slug}", headers=admin.headers).status_code == 204


def test_delete_needs_a_token_first_then_an_existing_article(
    client: FlaskClient, alice: Account
) -> None:
    response = client.delete("/api/articles/nothing")
    assert (response.status_code, errors_of(response)) == (401, {"token": ["is missing"]})
    response = client.delete("/api/articles/nothing", headers=alice.headers)
    assert (response.status_code, errors_of(response)) == (404, {"article": ["not found"]})
