"""Articles: write, read, change, publish, delete, favorite; entity tags; bad bodies."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Account, assert_error

DRAFT = {"title": "Hello, Folio", "description": "First steps", "body": "Some *Markdown*."}


def _create(client: FlaskClient, who: Account, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/articles", json={**DRAFT, **fields}, headers=who.headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_create_writes_a_draft_by_default(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/v1/articles", json={**DRAFT, "tags": ["Flask", " web dev "]}, headers=alice.headers
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["published_at"] is None
    assert body["slug"] == "hello-folio"
    assert body["tags"] == ["flask", "web-dev"]
    assert body["body_html"] == "<p>Some <em>Markdown</em>.</p>\n"
    assert body["author"]["username"] == "alice"
    assert "email" not in body["author"]
    assert response.headers["Location"] == "/api/v1/articles/hello-folio"
    assert response.headers["ETag"].startswith('"v1-')


def test_create_with_publish_publishes_at_once(client: FlaskClient, alice: Account) -> None:
    body = _create(client, alice, publish=True)
    assert body["status"] == "published"
    assert body["published_at"] is not None
    listed = client.get("/api/v1/articles").get_json()
    assert [item["slug"] for item in listed["items"]] == [body["slug"]]


def test_create_needs_a_title_and_publishing_needs_a_description_and_body(
    client: FlaskClient, alice: Account
) -> None:
    assert_error(
        client.post("/api/v1/articles", json={"body": "x"}, headers=alice.headers), 422, "title"
    )
    response = client.post(
        "/api/v1/articles", json={"title": "Only a title", "publish": True}, headers=alice.headers
    )
    assert_error(response, 422, "description", "body")
    # A draft needs only its title.
    assert _create(client, alice, description="", body="")["status"] == "draft"


@pytest.mark.parametrize(
    "field",
    ["author", "status", "published_at", "favorites_count", "slug", "version", "created_at"],
)
def test_create_refuses_fields_a_client_may_not_set(
    client: FlaskClient, alice: Account, field: str
) -> None:
    response = client.post("/api/v1/articles", json={**DRAFT, field: 1}, headers=alice.headers)
    assert assert_error(response, 422, field)["errors"][field] == ["Unknown field."]


def test_create_names_every_bad_field(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/v1/articles",
        json={"title": "", "description": 3, "tags": ["x"] * 11, "publish": "maybe"},
        headers=alice.headers,
    )
    assert_error(response, 422, "title", "description", "tags", "publish")


def test_tag_problems_are_named_tags(client: FlaskClient, alice: Account) -> None:
    # Within the schema's limits but refused by the service after normalising.
    response = client.post(
        "/api/v1/articles", json={**DRAFT, "tags": ["a" * 64, "b" * 64]}, headers=alice.headers
    )
    assert response.status_code == 201
    response = client.patch(
        f"/api/v1/articles/{response.get_json()['slug']}",
        json={"tags": [f"t{i}" for i in range(11)]},
        headers=alice.headers,
    )
    assert_error(response, 422, "tags")


def test_a_draft_is_seen_by_its_author_only(
    client: FlaskClient, alice: Account, bob: Account
) -> None:
    slug = _create(client, alice)["slug"]
    assert client.get(f"/api/v1/articles/{slug}", headers=alice.headers).status_code == 200
    assert_error(client.get(f"/api/v1/articles/{slug}"), 404, "article")
    assert_error(client.get(f"/api/v1/articles/{slug}", headers=bob.headers), 404, "article")


def test_publish_then_unpublish(client: FlaskClient, alice: Account, bob: Account) -> None:
    slug = _create(client, alice)["slug"]
    assert_error(client.post(f"/api/v1/articles/{slug}/publish", headers=bob.headers), 404)

    published = client.post(f"/api/v1/articles/{slug}/publish", headers=alice.headers)
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"
    assert client.get(f"/api/v1/articles/{slug}").status_code == 200
    assert_error(client.post(f"/api/v1/articles/{slug}/publish", headers=bob.headers), 403)
    assert_error(client.post(f"/api/v1/articles/{slug}/unpublish", headers=bob.headers), 403)

    unpublished = client.post(f"/api/v1/articles/{slug}/unpublish", headers=alice.headers)
    assert unpublished.get_json()["status"] == "draft"
    assert unpublished.get_json()["slug"] == slug
    assert_error(client.get(f"/api/v1/articles/{slug}"), 404)


def test_publishing_a_draft_without_body_names_the_missing_fields(
    client: FlaskClient, alice: Account
) -> None:
    slug = _create(client, alice, description="", body="")["slug"]
    response = client.post(f"/api/v1/articles/{slug}/publish", headers=alice.headers)
    assert_error(response, 422, "description", "body")


def test_an_admin_may_unpublish_and_delete_but_not_edit(
    client: FlaskClient, make_user: Callable[..., Account], alice: Account
) -> None:
    admin = make_user(username="root", admin=True)
    slug = _create(client, alice, publish=True)["slug"]
    assert_error(
        client.patch(f"/api/v1/articles/{slug}", json={"title": "X"}, headers=admin.headers),
        403,
        "article",
    )
    assert (
        client.post(f"/api/v1/articles/{slug}/unpublish", headers=admin.headers).status_code == 200
    )
    assert client.delete(f"/api/v1/articles/{slug}", headers=admin.headers).status_code == 204


def test_patch_changes_only_the_fields_sent(client: FlaskClient, alice: Account) -> None:
    created = _create(client, alice, tags=["flask"], publish=True)
    slug = created["slug"]
    response = client.patch(
        f"/api/v1/articles/{slug}", json={"title": "A better title"}, headers=alice.headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "A better title"
    assert body["slug"] == slug  # published: the slug never changes
    assert (body["description"], body["body"], body["tags"]) == (
        created["description"],
        created["body"],
        ["flask"],
    )
    assert body["version"] == created["version"] + 1

    cleared = client.patch(f"/api/v1/articles/{slug}", json={"tags": []}, headers=alice.headers)
    assert cleared.get_json()["tags"] == []


def test_patch_refuses_unknown_fields_and_other_authors(
    client: FlaskClient, alice: Account, bob: Account
) -> None:
    slug = _create(client, alice, publish=True)["slug"]
    response = client.patch(
        f"/api/v1/articles/{slug}",
        json={"author": "bob", "favorites_count": 99},
        headers=alice.headers,
    )
    assert_error(response, 422, "author", "favorites_count")
    response = client.patch(f"/api/v1/articles/{slug}", json={"title": "Mine"}, headers=bob.headers)
    assert_error(response, 403, "article")
    assert client.get(f"/api/v1/articles/{slug}").get_json()["title"] == DRAFT["title"]


def test_etag_and_if_none_match_give_304(client: FlaskClient, alice: Account) -> None:
    slug = _create(client, alice, publish=True)["slug"]
    first = client.get(f"/api/v1/articles/{slug}")
    etag = first.headers["ETag"]

    again = client.get(f"/api/v1/articles/{slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag  # a 304 repeats the tag

    client.post(f"/api/v1/articles/{slug}/favorite", headers=alice.headers)
    changed = client.get(f"/api/v1/articles/{slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["favorites_count"] == 1


def test_lists_carry_etags_too(client: FlaskClient, alice: Account) -> None:
    _create(client, alice, publish=True)
    first = client.get("/api/v1/articles")
    assert first.headers["ETag"]
    again = client.get("/api/v1/articles", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    # Another page of the same list is another representation: another tag.
    second = client.get("/api/v1/articles?page=2", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]


def test_etags_are_digests_of_the_bytes_sent(client: FlaskClient, alice: Account) -> None:
    """A tag is the digest of the body as sent (one encoding, no second one of the data)
    and of the ``Link`` header, with the article's version in front; strong, not weak."""
    slug = _create(client, alice, publish=True)["slug"]
    _create(client, alice, title="Another", publish=True)
    one = client.get(f"/api/v1/articles/{slug}")
    digest = hashlib.sha256(one.get_data()).hexdigest()[:16]
    assert one.headers["ETag"] == f'"v{one.get_json()["version"]}-{digest}"'

    page = client.get("/api/v1/articles?page_size=1")
    link = page.headers["Link"]
    digest = hashlib.sha256(page.get_data() + f"\0Link\0{link}".encode()).hexdigest()[:16]
    assert page.headers["ETag"] == f'"{digest}"'
    again = client.get("/api/v1/articles?page_size=1", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304
    assert again.headers["ETag"] == f'"{digest}"'


def test_if_match_refuses_a_stale_edit(client: FlaskClient, alice: Account) -> None:
    slug = _create(client, alice, publish=True)["slug"]
    etag = client.get(f"/api/v1/articles/{slug}").headers["ETag"]

    # Someone favorites it: the count moves, the article does not; the edit goes through.
    client.post(f"/api/v1/articles/{slug}/favorite", headers=alice.headers)
    first = client.patch(
        f"/api/v1/articles/{slug}",
        json={"title": "Edit one"},
        headers={**alice.headers, "If-Match": etag},
    )
    assert first.status_code == 200

    # A second edit from the same stale copy would overwrite the first: refused.
    second = client.patch(
        f"/api/v1/articles/{slug}",
        json={"title": "Edit two"},
        headers={**alice.headers, "If-Match": etag},
    )
    assert_error(second, 412, "if_match")
    assert client.get(f"/api/v1/articles/{slug}").get_json()["title"] == "Edit one"

    fresh = client.patch(
        f"/api/v1/articles/{slug}",
        json={"title": "Edit two"},
        headers={**alice.headers, "If-Match": first.headers["ETag"]},
    )
    assert fresh.status_code == 200
    star = client.patch(
        f"/api/v1/articles/{slug}",
        json={"title": "Edit three"},
        headers={**alice.headers, "If-Match": "*"},
    )
    assert star.status_code == 200


def test_if_match_on_delete(client: FlaskClient, alice: Account) -> None:
    slug = _create(client, alice, publish=True)["slug"]
    etag = client.get(f"/api/v1/articles/{slug}").headers["ETag"]
    client.patch(f"/api/v1/articles/{slug}", json={"title": "Changed"}, headers=alice.headers)

    stale = client.delete(f"/api/v1/articles/{slug}", headers={**alice.headers, "If-Match": etag})
    assert_error(stale, 412, "if_match")
    assert client.get(f"/api/v1/articles/{slug}").status_code == 200


def test_delete(client: FlaskClient, alice: Account, bob: Account) -> None:
    slug = _create(client, alice, publish=True)["slug"]
    assert_error(client.delete(f"/api/v1/articles/{slug}", headers=bob.headers), 403, "article")
    assert client.delete(f"/api/v1/articles/{slug}", headers=alice.headers).status_code == 204
    assert_error(client.get(f"/api/v1/articles/{slug}"), 404, "article")
    assert_error(client.delete(f"/api/v1/articles/{slug}", headers=alice.headers), 404)


def test_favorite_and_unfavorite(client: FlaskClient, alice: Account, bob: Account) -> None:
    slug = _create(client, alice, publish=True)["slug"]
    favorited = client.post(f"/api/v1/articles/{slug}/favorite", headers=bob.headers)
    assert favorited.status_code == 200
    assert (favorited.get_json()["favorited"], favorited.get_json()["favorites_count"]) == (True, 1)
    twice = client.post(f"/api/v1/articles/{slug}/favorite", headers=bob.headers)
    assert twice.get_json()["favorites_count"] == 1
    assert client.get(f"/api/v1/articles/{slug}", headers=bob.headers).get_json()["favorited"]

    removed = client.delete(f"/api/v1/articles/{slug}/favorite", headers=bob.headers)
    assert (removed.get_json()["favorited"], removed.get_json()["favorites_count"]) == (False, 0)


def test_a_draft_cannot_be_favorited_by_others(
    client: FlaskClient, alice: Account, bob: Account
) -> None:
    slug = _create(client, alice)["slug"]
    assert_error(client.post(f"/api/v1/articles/{slug}/favorite", headers=bob.headers), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/articles"),
        ("patch", "/api/v1/articles/any"),
        ("delete", "/api/v1/articles/any"),
        ("post", "/api/v1/articles/any/publish"),
        ("post", "/api/v1/articles/any/unpublish"),
        ("post", "/api/v1/articles/any/favorite"),
        ("delete", "/api/v1/articles/any/favorite"),
        ("get", "/api/v1/feed"),
    ],
)
def test_writes_and_the_feed_need_a_token(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path, json=DRAFT if method != "get" else None)
    assert_error(response, 401, "token")


def test_malformed_json_is_400(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/v1/articles",
        data='{"title": "unterminated',
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 400, "body")


def test_a_body_that_is_not_an_object_is_422(client: FlaskClient, alice: Account) -> None:
    response = client.post("/api/v1/articles", json=["a", "list"], headers=alice.headers)
    assert_error(response, 422)


def test_a_form_body_is_415(client: FlaskClient, alice: Account) -> None:
    response = client.post("/api/v1/articles", data={"title": "A form post"}, headers=alice.headers)
    assert_error(response, 415, "content_type")


def test_a_body_over_the_limit_is_413(client: FlaskClient, alice: Account) -> None:
    huge = '{"title": "t", "body": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = client.post(
        "/api/v1/articles",
        data=huge,
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert_error(response, 413, "body")


def test_an_unsupported_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/v1/articles/any", json={})
    assert_error(response, 405)
    assert {"GET", "PATCH", "DELETE"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_patch_without_changes_is_422(client: FlaskClient, alice: Account) -> None:
    slug = _create(client, alice)["slug"]
    assert_error(client.patch(f"/api/v1/articles/{slug}", headers=alice.headers), 422, "changes")
    assert_error(
        client.patch(f"/api/v1/articles/{slug}", json={}, headers=alice.headers), 422, "changes"
    )
    assert_error(client.patch("/api/v1/me", json={}, headers=alice.headers), 422, "changes")
