"""/api/v1 uploads as a client meets them: what an upload answers, the same file twice,
files shared between users, listing and deleting, covers, avatars, and bodies that are
not uploads at all.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from tests.api.conftest import assert_error
from tests.media.helpers import Writer, api_upload, files_of, new_writer, photo, stored_files

DRAFT = {"title": "Pictures of the coast", "description": "Cliffs", "body": "Waves."}


@pytest.fixture
def alice(app: Flask) -> Writer:
    return new_writer(app, "alice")


@pytest.fixture
def bob(app: Flask) -> Writer:
    return new_writer(app, "bob")


def _upload(client: FlaskClient, writer: Writer, data: bytes) -> dict[str, Any]:
    response = api_upload(client, writer, data)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _fetch(client: FlaskClient, url: str) -> tuple[str, bytes]:
    """(type, bytes) of an image URL as a browser gets it."""
    with client.get(urlsplit(url).path) as response:
        assert response.status_code == 200, url
        return response.mimetype, response.get_data()


def _originals(media_root: str, url: str) -> set[str]:
    return {path for path in files_of(media_root, url) if "/original." in path}


# --- uploading ---------------------------------------------------------------------------


def test_an_upload_answers_its_url_size_and_variants(client: FlaskClient, alice: Writer) -> None:
    data = photo((1200, 800))

    media = _upload(client, alice, data)

    assert isinstance(media["id"], int)
    assert media["url"].startswith("http://localhost/media/images/")
    assert media["url"].endswith("/original.jpg")
    assert media["type"] == "image/jpeg"
    assert (media["width"], media["height"]) == (1200, 800)
    assert 0 < media["bytes"] < len(data) * 2
    assert media["filename"] == "photo.jpg"
    assert media["ready"] is True
    by_type: dict[str, set[int]] = {}
    for variant in media["variants"]:
        by_type.setdefault(variant["type"], set()).add(variant["width"])
        assert variant["height"] == round(800 * variant["width"] / 1200)
    # Every planned width below the original's in both types, plus a full-size WebP.
    assert by_type == {"image/webp": {480, 960, 1200}, "image/jpeg": {480, 960}}


def test_each_variant_is_served_at_its_width_in_its_type(
    client: FlaskClient, alice: Writer
) -> None:
    media = _upload(client, alice, photo((1000, 500)))

    for variant in media["variants"]:
        mimetype, body = _fetch(client, variant["url"])
        picture = Image.open(io.BytesIO(body))

        assert mimetype == variant["type"]
        assert Image.MIME[picture.format or ""] == variant["type"]
        assert picture.size == (variant["width"], variant["height"])


def test_the_same_file_twice_is_the_same_upload_stored_once(
    client: FlaskClient, media_root: str, alice: Writer
) -> None:
    data = photo()

    first = _upload(client, alice, data)
    again = api_upload(client, alice, data, name="copy.jpg")

    assert again.status_code in (200, 201)
    assert again.get_json()["id"] == first["id"]
    assert len(_originals(media_root, first["url"])) == 1
    listed = client.get("/api/v1/media", headers=alice.headers).get_json()
    assert listed["total"] == 1


def test_two_writers_share_one_file_until_both_delete_it(
    client: FlaskClient, media_root: str, alice: Writer, bob: Writer
) -> None:
    data = photo()
    mine = _upload(client, alice, data)
    files = files_of(media_root, mine["url"])

    theirs = _upload(client, bob, data)

    assert theirs["id"] != mine["id"]
    assert theirs["url"] == mine["url"]
    assert files_of(media_root, theirs["url"]) == files
    assert client.delete(f"/api/v1/media/{mine['id']}", headers=alice.headers).status_code == 204
    assert files_of(media_root, theirs["url"]) == files
    assert _fetch(client, theirs["url"])[0] == "image/jpeg"
    assert client.delete(f"/api/v1/media/{theirs['id']}", headers=bob.headers).status_code == 204
    assert files_of(media_root, theirs["url"]) == set()
    with client.get(urlsplit(theirs["url"]).path) as gone:
        assert gone.status_code == 404


# --- listing and deleting ----------------------------------------------------------------


def test_the_list_pages_through_my_uploads_only(
    client: FlaskClient, alice: Writer, bob: Writer
) -> None:
    mine = [_upload(client, alice, photo((120, 90)))["id"] for _ in range(3)]
    _upload(client, bob, photo((120, 90)))

    first = client.get("/api/v1/media?page_size=2", headers=alice.headers).get_json()
    second = client.get("/api/v1/media?page_size=2&page=2", headers=alice.headers).get_json()

    assert (first["total"], first["pages"]) == (3, 2)
    listed = [item["id"] for item in first["items"] + second["items"]]
    assert listed == list(reversed(mine))  # newest first


def test_someone_elses_upload_is_not_found(client: FlaskClient, alice: Writer, bob: Writer) -> None:
    theirs = _upload(client, bob, photo())

    assert_error(client.get(f"/api/v1/media/{theirs['id']}", headers=alice.headers), 404)
    assert_error(client.delete(f"/api/v1/media/{theirs['id']}", headers=alice.headers), 404)
    assert client.get(f"/api/v1/media/{theirs['id']}", headers=bob.headers).status_code == 200


@pytest.mark.parametrize("media_id", [2**31, 2**63, 10**30])
def test_an_id_past_any_upload_is_not_found(
    client: FlaskClient, alice: Writer, media_id: int
) -> None:
    assert_error(client.get(f"/api/v1/media/{media_id}", headers=alice.headers), 404)
    assert_error(client.delete(f"/api/v1/media/{media_id}", headers=alice.headers), 404)


def test_deleting_a_cover_asks_for_force_then_unsets_it(
    client: FlaskClient, media_root: str, alice: Writer
) -> None:
    cover = _upload(client, alice, photo())
    article = client.post(
        "/api/v1/articles", json={**DRAFT, "cover_image": cover["url"]}, headers=alice.headers
    ).get_json()
    item = f"/api/v1/media/{cover['id']}"
    assert client.get(item, headers=alice.headers).get_json()["used_by"] == 1

    refused = assert_error(client.delete(item, headers=alice.headers), 422, "media")

    assert "1 article" in refused["errors"]["media"][0]
    assert _originals(media_root, cover["url"])
    assert client.delete(f"{item}?force=true", headers=alice.headers).status_code == 204
    after = client.get(f"/api/v1/articles/{article['slug']}", headers=alice.headers).get_json()
    assert after["cover_image"] is None
    assert files_of(media_root, cover["url"]) == set()


# --- covers --------------------------------------------------------------------------------


def test_an_article_shows_my_upload_as_its_cover(client: FlaskClient, alice: Writer) -> None:
    first = _upload(client, alice, photo((800, 600)))
    second = _upload(client, alice, photo((600, 800)))

    created = client.post(
        "/api/v1/articles", json={**DRAFT, "cover_image": first["url"]}, headers=alice.headers
    )
    slug = created.get_json()["slug"]
    changed = client.patch(
        f"/api/v1/articles/{slug}", json={"cover_image": second["url"]}, headers=alice.headers
    )
    removed = client.patch(
        f"/api/v1/articles/{slug}", json={"cover_image": None}, headers=alice.headers
    )

    assert created.status_code == 201
    assert created.get_json()["cover_image"] == {"url": first["url"], "width": 800, "height": 600}
    assert changed.get_json()["cover_image"] == {"url": second["url"], "width": 600, "height": 800}
    assert removed.get_json()["cover_image"] is None


def test_a_cover_must_be_one_of_my_uploads(client: FlaskClient, alice: Writer, bob: Writer) -> None:
    theirs = _upload(client, bob, photo())
    slug = client.post("/api/v1/articles", json=DRAFT, headers=alice.headers).get_json()["slug"]
    strangers = [
        theirs["url"],
        "https://images.example.test/cliffs.jpg",
        "http://localhost/media/images/" + "0" * 64 + "/original.jpg",
        "not a url at all",
    ]

    for url in strangers:
        created = client.post(
            "/api/v1/articles", json={**DRAFT, "cover_image": url}, headers=alice.headers
        )
        changed = client.patch(
            f"/api/v1/articles/{slug}", json={"cover_image": url}, headers=alice.headers
        )

        assert_error(created, 422, "cover_image")
        assert_error(changed, 422, "cover_image")
    listed = client.get("/api/v1/articles?status=mine", headers=alice.headers).get_json()
    assert [item["slug"] for item in listed["items"]] == [slug]


def test_lists_show_the_cover_and_avatar_as_the_article_does(
    client: FlaskClient, alice: Writer
) -> None:
    # Lists build their entries from columns, not from the article: the same document.
    cover = _upload(client, alice, photo((800, 600)))
    api_upload(client, alice, photo(), "me.jpg", "/api/v1/me/avatar", "PUT")
    body = {**DRAFT, "cover_image": cover["url"], "publish": True}
    slug = client.post("/api/v1/articles", json=body, headers=alice.headers).get_json()["slug"]

    single = client.get(f"/api/v1/articles/{slug}").get_json()
    listed = client.get("/api/v1/articles").get_json()["items"]
    realworld = client.get(f"/api/articles/{slug}").get_json()["article"]
    realworld_listed = client.get("/api/articles").get_json()["articles"]

    assert listed[0]["cover_image"] == single["cover_image"]
    assert listed[0]["cover_image"] == {"url": cover["url"], "width": 800, "height": 600}
    assert listed[0]["author"] == single["author"]
    del realworld["body"]
    assert realworld_listed == [realworld]
    assert realworld["author"]["image"].startswith("http://localhost/media/avatars/")


# --- avatars ---------------------------------------------------------------------------------


def test_an_avatar_shows_on_every_face_as_a_square(client: FlaskClient, alice: Writer) -> None:
    response = api_upload(client, alice, photo((900, 600)), "me.jpg", "/api/v1/me/avatar", "PUT")

    assert response.status_code == 200, response.get_json()
    avatar = response.get_json()["avatar"]
    assert avatar.startswith("http://localhost/media/avatars/")
    assert client.get("/api/v1/me", headers=alice.headers).get_json()["avatar"] == avatar
    assert client.get("/api/v1/profiles/alice").get_json()["avatar"] == avatar
    assert client.get("/api/profiles/alice").get_json()["profile"]["image"] == avatar
    _, body = _fetch(client, avatar)
    # The centred square, at most MEDIA_AVATAR_EDGE on a side.
    assert Image.open(io.BytesIO(body)).size == (512, 512)


def test_removing_the_avatar_brings_the_initials_back(client: FlaskClient, alice: Writer) -> None:
    api_upload(client, alice, photo(), "me.jpg", "/api/v1/me/avatar", "PUT")
    avatar = client.get("/api/v1/me", headers=alice.headers).get_json()["avatar"]
    assert urlsplit(avatar).path.rsplit("/", 2)[1] in client.get("/@alice").get_data(as_text=True)

    response = client.delete("/api/v1/me/avatar", headers=alice.headers)

    assert response.status_code == 200
    assert response.get_json()["avatar"] is None
    assert client.get("/api/v1/profiles/alice").get_json()["avatar"] is None
    profile = client.get("/@alice").get_data(as_text=True)
    assert "/media/avatars/" not in profile
    assert 'class="avatar avatar--' in profile
    assert re.search(r'<span class="avatar avatar--xl[^"]*"[^>]*>AL</span>', profile)


# --- bodies that are not an upload --------------------------------------------------------


def test_json_instead_of_a_file_is_refused_naming_the_file(
    client: FlaskClient, alice: Writer
) -> None:
    for path, method in (("/api/v1/media", "POST"), ("/api/v1/me/avatar", "PUT")):
        response = client.open(
            path, method=method, json={"file": "aGVsbG8="}, headers=alice.headers
        )

        assert_error(response, 422, "file")


def test_an_unknown_field_beside_the_file_is_refused_and_nothing_stored(
    client: FlaskClient, media_root: str, alice: Writer
) -> None:
    before = stored_files(media_root)
    for path, method in (("/api/v1/media", "POST"), ("/api/v1/me/avatar", "PUT")):
        response = client.open(
            path,
            method=method,
            data={"file": (io.BytesIO(photo()), "photo.jpg"), "caption": "Cliffs at dusk"},
            headers=alice.headers,
        )

        body = assert_error(response, 422, "caption")
        assert body["errors"]["caption"] == ["Unknown field."]
    assert stored_files(media_root) == before


def test_a_method_an_upload_route_lacks_is_405_whatever_the_body(
    client: FlaskClient, alice: Writer
) -> None:
    response = client.post(
        "/api/v1/me/avatar",
        data={"file": (io.BytesIO(photo()), "photo.jpg")},
        headers=alice.headers,
    )

    assert_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"PUT", "DELETE"}
