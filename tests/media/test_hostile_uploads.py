"""Files nobody should be able to store, through every face that takes uploads: each is
refused with a message naming the file, and leaves nothing behind (no stored file, no
upload in the owner's list). Then how stored images are served, and what a failure
half-way through an upload leaves (nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from werkzeug.test import TestResponse

from folio.media import rules
from folio.media.storage import StorageError
from tests.api.conftest import assert_error
from tests.media.helpers import (
    Writer,
    animated_gif,
    api_upload,
    new_writer,
    page_upload,
    photo,
    png_bomb,
    sign_in,
    stored_files,
)
from tests.web.helpers import text


@pytest.fixture
def alice(app: Flask) -> Writer:
    return new_writer(app, "alice")


@dataclass(frozen=True)
class Hostile:
    make: Callable[[], bytes]
    name: str
    status: int
    # Words the message must have: it says what is wrong with this file.
    words: str


def _truncated_jpeg() -> bytes:
    data = photo()
    return data[: len(data) // 2]


HOSTILE = {
    "text-named-jpg": Hostile(lambda: b"Dear diary,\n" * 80, "holiday.jpg", 400, "not an image"),
    "truncated-jpeg": Hostile(_truncated_jpeg, "cut.jpg", 400, "damaged or incomplete"),
    "jpeg-with-script": Hostile(
        lambda: photo() + b"<script>alert(document.cookie)</script>",
        "innocent.jpg",
        400,
        "markup or script",
    ),
    "20000x20000-png": Hostile(png_bomb, "bomb.png", 400, "20000×20000 pixels"),
    "zero-bytes": Hostile(lambda: b"", "empty.jpg", 400, "empty"),
    "1000-frame-gif": Hostile(lambda: animated_gif(1000), "long.gif", 400, "too many frames"),
}
hostile_files = pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE)


def _nothing_listed(client: FlaskClient, writer: Writer) -> None:
    listed = client.get("/api/v1/media", headers=writer.headers).get_json()
    assert listed["total"] == 0, listed
    assert listed["items"] == []


def _page_refused(client: FlaskClient, response: TestResponse, *words: str) -> None:
    """A refused form upload comes back to My media, saying why, with nothing added."""
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/media")
    page = text(client.get("/me/media"))
    for word in words:
        assert word in page
    assert "No uploads yet" in page


@hostile_files
def test_the_api_refuses_the_file_and_keeps_nothing(
    client: FlaskClient, media_root: str, alice: Writer, hostile: Hostile
) -> None:
    data = hostile.make()
    before = stored_files(media_root)

    body = assert_error(api_upload(client, alice, data, hostile.name), hostile.status, "file")

    assert hostile.words in body["errors"]["file"][0]
    assert stored_files(media_root) == before
    _nothing_listed(client, alice)


@hostile_files
def test_the_avatar_api_refuses_the_file_and_keeps_nothing(
    client: FlaskClient, media_root: str, alice: Writer, hostile: Hostile
) -> None:
    data = hostile.make()
    before = stored_files(media_root)

    response = api_upload(client, alice, data, hostile.name, "/api/v1/me/avatar", "PUT")

    body = assert_error(response, hostile.status, "file")
    assert hostile.words in body["errors"]["file"][0]
    assert stored_files(media_root) == before
    assert client.get("/api/v1/me", headers=alice.headers).get_json()["avatar"] is None


@hostile_files
def test_my_media_refuses_the_file_and_keeps_nothing(
    client: FlaskClient, media_root: str, alice: Writer, hostile: Hostile
) -> None:
    data = hostile.make()
    before = stored_files(media_root)
    sign_in(client, alice)

    response = page_upload(client, data, hostile.name)

    _page_refused(client, response, hostile.words)
    assert stored_files(media_root) == before


@hostile_files
def test_the_editors_script_is_told_why_the_file_is_refused(
    client: FlaskClient, media_root: str, alice: Writer, hostile: Hostile
) -> None:
    data = hostile.make()
    before = stored_files(media_root)
    sign_in(client, alice)

    response = page_upload(client, data, hostile.name, script=True)

    assert response.status_code == hostile.status
    assert hostile.words in response.get_json()["errors"]["file"][0]
    assert stored_files(media_root) == before
    _nothing_listed(client, alice)


# --- limits: size, quota, signing in ---------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"MEDIA_MAX_BYTES": 50_000}])
def test_a_file_over_the_size_limit_is_refused_on_every_face(
    client: FlaskClient, media_root: str, alice: Writer
) -> None:
    data = photo((400, 300))
    assert len(data) > 50_000
    before = stored_files(media_root)

    body = assert_error(api_upload(client, alice, data), 413, "file")
    assert "too large" in body["errors"]["file"][0]
    sign_in(client, alice)
    script = page_upload(client, data, script=True)
    assert script.status_code == 413
    assert "too large" in script.get_json()["errors"]["file"][0]
    _page_refused(client, page_upload(client, data), "too large")

    assert stored_files(media_root) == before
    _nothing_listed(client, alice)


@pytest.mark.parametrize("app_overrides", [{"MEDIA_MAX_BYTES": 50_000}])
def test_a_file_far_over_the_size_limit_is_refused_naming_the_file(
    client: FlaskClient, media_root: str, alice: Writer
) -> None:
    # Past what the request itself may carry: refused before the body is read.
    data = b"\xff\xd8\xff" + bytes(3 * 1024 * 1024)
    before = stored_files(media_root)

    body = assert_error(api_upload(client, alice, data), 413, "file")
    assert "limit is 0.0476837 MB" in body["errors"]["file"][0]
    sign_in(client, alice)
    assert page_upload(client, data, script=True).status_code == 413
    page = page_upload(client, data)
    assert page.status_code == 413
    assert "File is too large: the limit is" in text(page)

    assert stored_files(media_root) == before


def test_uploading_needs_an_account(client: FlaskClient, media_root: str) -> None:
    data = photo()
    before = stored_files(media_root)

    assert_error(api_upload(client, None, data), 401)
    assert_error(api_upload(client, None, data, path="/api/v1/me/avatar", method="PUT"), 401)
    page = page_upload(client, data)
    assert page.status_code == 302
    assert "/auth/login" in page.headers["Location"]

    assert stored_files(media_root) == before


@pytest.mark.parametrize("app_overrides", [{"MEDIA_QUOTA_BYTES": 60_000}])
def test_an_upload_past_the_quota_is_refused_saying_so(
    client: FlaskClient, media_root: str, alice: Writer
) -> None:
    first = api_upload(client, alice, photo((160, 120)))
    assert first.status_code == 201, first.get_json()
    big = photo((400, 300))
    before = stored_files(media_root)

    body = assert_error(api_upload(client, alice, big), 413, "file")
    assert "quota" in body["errors"]["file"][0]
    sign_in(client, alice)
    page = text(client.get("/me/media"))
    response = page_upload(client, big)
    assert response.status_code == 302
    after = text(client.get("/me/media"))

    assert "quota" not in page
    assert "quota" in after
    assert stored_files(media_root) == before
    listed = client.get("/api/v1/media", headers=alice.headers).get_json()
    assert [item["id"] for item in listed["items"]] == [first.get_json()["id"]]


# --- serving ---------------------------------------------------------------------------


def test_stored_images_are_served_as_what_they_are_and_never_change(
    client: FlaskClient, alice: Writer
) -> None:
    media = api_upload(client, alice, photo()).get_json()
    served = [(media["url"], "image/jpeg")] + [(v["url"], v["type"]) for v in media["variants"]]
    assert {kind for _, kind in served} == {"image/jpeg", "image/webp"}

    for url, kind in served:
        with client.get(urlsplit(url).path) as response:
            assert response.status_code == 200, url
            assert response.mimetype == kind
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert "immutable" in response.headers["Cache-Control"]
            assert "max-age=31536000" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/images/..%2F..%2Fconfig.py",
        "/media/images/" + "a" * 64 + "/original.svg",
        "/media/images/" + "a" * 64 + "/original.jpg",
        "/media/avatars/not-a-hash/original.png",
    ],
)
def test_nothing_but_stored_images_is_served_from_media(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def _image_sources(response: TestResponse) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    return directives["img-src"].split()


def test_pages_load_images_from_folio_alone(client: FlaskClient) -> None:
    assert _image_sources(client.get("/")) == ["'self'", "data:"]


S3_PUBLIC = {
    "MEDIA_STORAGE": "s3",
    "S3_BUCKET": "folio-images",
    "S3_ENDPOINT_URL": "http://127.0.0.1:9",
    "S3_REGION": "us-east-1",
    "S3_ACCESS_KEY_ID": "key",
    "S3_SECRET_ACCESS_KEY": "secret",
    "S3_PUBLIC_URL": "https://images.example.test/folio",
}


@pytest.mark.parametrize("app_overrides", [S3_PUBLIC])
def test_pages_load_images_from_the_storages_public_address_too(client: FlaskClient) -> None:
    assert _image_sources(client.get("/")) == ["'self'", "data:", "https://images.example.test"]


# --- failures half-way: nothing is left behind ------------------------------------------


def test_a_storage_failure_answers_503_and_keeps_nothing(
    app: Flask,
    client: FlaskClient,
    media_root: str,
    alice: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(*_args: object) -> None:
        raise StorageError("the bucket did not answer")

    monkeypatch.setattr(app.extensions["folio.media"].storage, "put", unreachable)
    before = stored_files(media_root)

    response = api_upload(client, alice, photo())

    assert_error(response, 503)
    assert int(response.headers["Retry-After"]) > 0
    sign_in(client, alice)
    assert page_upload(client, photo(), script=True).status_code == 503
    assert stored_files(media_root) == before
    _nothing_listed(client, alice)


def test_a_database_failure_after_storing_removes_the_stored_file(
    client: FlaskClient, media_root: str, alice: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stored_files(media_root)
    stored_meanwhile: list[set[str]] = []

    def connection_lost(*_args: object, **_kwargs: object) -> None:
        stored_meanwhile.append(stored_files(media_root) - before)
        raise OperationalError("INSERT INTO media", {}, ConnectionResetError("reset by peer"))

    with monkeypatch.context() as patch:
        patch.setattr(rules, "add_media", connection_lost)
        response = api_upload(client, alice, photo())

    assert response.status_code == 503
    assert stored_meanwhile
    assert stored_meanwhile[0], "the original was not stored before the failure"
    assert stored_files(media_root) == before
    _nothing_listed(client, alice)
