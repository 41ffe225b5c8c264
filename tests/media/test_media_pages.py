"""Images on the pages, without JavaScript: My media, the editor's file fields, covers
where readers and feed readers see them, the settings' avatar, and deleting an account.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import TEST_PASSWORD
from tests.media.helpers import (
    Writer,
    api_upload,
    files_of,
    multipart,
    new_writer,
    photo,
    sign_in,
    stored_files,
)
from tests.web.helpers import field_error, text

ARTICLE = {"title": "A walk on the cliffs", "description": "Wind and gulls", "tags": ""}


@pytest.fixture
def alice(app: Flask) -> Writer:
    return new_writer(app, "alice")


@pytest.fixture
def browser(client: FlaskClient, alice: Writer) -> FlaskClient:
    """Alice's browser, signed in."""
    return sign_in(client, alice)


def _upload(client: FlaskClient, writer: Writer, data: bytes, name: str = "photo.jpg") -> str:
    """Upload through the API (the pages' own uploads are what these tests look at)."""
    response = api_upload(client, writer, data, name)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["url"])


def _write(browser: FlaskClient, action: str = "publish", **fields: Any) -> TestResponse:
    """Send the editor's form for a new article, files given as (bytes, name)."""
    return browser.post("/articles/new", **multipart({**ARTICLE, "action": action, **fields}))


def _published(browser: FlaskClient, response: TestResponse) -> str:
    assert response.status_code == 302, text(response)
    return browser.get(response.headers["Location"]).get_data(as_text=True)


def _status(client: FlaskClient, url: str) -> int:
    """What fetching an image URL answers (the file it sends is closed again)."""
    with client.get(urlsplit(url).path) as response:
        return response.status_code


def _tag(html: str, name: str, containing: str) -> str:
    """The first ``<name ...>`` start tag whose attributes contain ``containing``."""
    for tag in re.findall(rf"<{name}\b[^>]*>", html):
        if containing in tag:
            return tag
    raise AssertionError(f"no <{name}> with {containing!r}")


# --- My media ----------------------------------------------------------------------------


def test_my_media_tells_each_uploads_size_date_and_use(browser: FlaskClient, alice: Writer) -> None:
    used = _upload(browser, alice, photo((320, 240)), "cliffs.jpg")
    _upload(browser, alice, photo((200, 300)), "gulls.jpg")
    _published(browser, _write(browser, body=f"Look:\n\n![The cliffs]({used})\n"))

    page = text(browser.get("/me/media"))

    assert "2 uploads" in page
    today = datetime.now(UTC)
    cliffs = page[page.index("cliffs.jpg") :]
    assert re.match(r"cliffs\.jpg 320 × 240 · \d+ KB · (\w+ \d+, \d{4}) Used in A walk", cliffs)
    assert f"{today:%b} {today.day}, {today:%Y}" in cliffs  # Babel's medium date in English
    gulls = page[page.index("gulls.jpg") :]
    assert re.match(r"gulls\.jpg 200 × 300 · \d+ KB · .*? Not used in any article", gulls)


def test_deleting_a_used_image_asks_first(browser: FlaskClient, alice: Writer) -> None:
    url = _upload(browser, alice, photo())
    _published(browser, _write(browser, body=f"![Cliffs]({url})"))
    media_id = browser.get("/api/v1/media", headers=alice.headers).get_json()["items"][0]["id"]

    asked = browser.post(f"/me/media/{media_id}/delete")

    assert asked.status_code == 302
    question = text(browser.get(asked.headers["Location"]))
    assert "is used by 1 article" in question
    assert "1 article will show no picture here" in question
    assert "Delete anyway" in question
    assert _status(browser, url) == 200
    done = browser.post(f"/me/media/{media_id}/delete", data={"confirm": "yes"})
    assert "Image deleted." in text(browser.get(done.headers["Location"]))
    assert "No uploads yet" in text(browser.get("/me/media"))
    assert _status(browser, url) == 404


# --- the editor, without JavaScript ---------------------------------------------------------


def test_a_picture_sent_with_the_editor_joins_the_body_as_a_responsive_picture(
    browser: FlaskClient,
) -> None:
    response = _write(
        browser,
        body="The path climbs.",
        image_file=(photo((1200, 900)), "path.jpg"),
        image_alt="The path along the cliff edge",
    )

    page = _published(browser, response)

    edit = browser.get(response.headers["Location"] + "/edit").get_data(as_text=True)
    assert re.search(
        r"!\[The path along the cliff edge\]\(http://localhost/media/images/[0-9a-f]{64}/original\.jpg\)",
        edit,
    )
    img = _tag(page, "img", 'alt="The path along the cliff edge"')
    for attribute in ('width="1200"', 'height="900"', 'loading="lazy"', "srcset=", "sizes="):
        assert attribute in img
    assert re.search(r'<picture><source type="image/webp" srcset="[^"]*480\.webp 480w', page)


def test_a_picture_without_alt_text_is_refused_and_nothing_changes(
    browser: FlaskClient, media_root: str, alice: Writer
) -> None:
    before = stored_files(media_root)

    response = _write(browser, body="The path climbs.", image_file=(photo(), "path.jpg"))

    assert response.status_code == 400
    assert "say what the picture shows" in field_error(response, "image_alt")
    assert stored_files(media_root) == before
    mine = browser.get("/api/v1/articles?status=mine", headers=alice.headers).get_json()
    assert mine["items"] == []


def test_a_decorative_picture_has_empty_alt_text(browser: FlaskClient) -> None:
    response = _write(
        browser, body="Waves.", image_file=(photo(), "texture.jpg"), image_decorative="y"
    )

    page = _published(browser, response)

    edit = browser.get(response.headers["Location"] + "/edit").get_data(as_text=True)
    assert re.search(r"!\[\]\(http://localhost/media/images/[0-9a-f]{64}/original\.jpg\)", edit)
    assert 'alt=""' in _tag(page, "img", "/media/images/")


def test_a_cover_shows_wherever_the_article_does(browser: FlaskClient) -> None:
    response = _write(browser, body="Waves.", cover_file=(photo((1600, 900)), "cover.jpg"))

    page = _published(browser, response)

    cover = re.search(r'property="og:image" content="(http://localhost/media/images/[^"]+)"', page)
    assert cover, "no og:image"
    url = cover.group(1)
    assert re.findall(r'name="twitter:card" content="([^"]+)"', page) == ["summary_large_image"]
    header = page[page.index('class="article-cover"') :]
    assert 'width="1600"' in _tag(header, "img", urlsplit(url).path)
    home = browser.get("/").get_data(as_text=True)
    card = home[home.index("card--cover") :]
    assert urlsplit(url).path in _tag(card, "img", "/media/images/")
    feed = browser.get("/atom.xml").get_data(as_text=True)
    enclosure = _tag(feed, "link", 'rel="enclosure"')
    assert f'href="{url}"' in enclosure
    assert 'type="image/jpeg"' in enclosure


def test_an_article_without_a_cover_is_a_summary_card(browser: FlaskClient) -> None:
    page = _published(browser, _write(browser, body="Waves."))

    assert re.findall(r'name="twitter:card" content="([^"]+)"', page) == ["summary"]
    assert "og:image" not in page


# --- avatars and accounts ---------------------------------------------------------------------


def test_a_picture_from_settings_is_the_avatar_on_the_profile(browser: FlaskClient) -> None:
    assert "/media/avatars/" not in browser.get("/@alice").get_data(as_text=True)

    response = browser.post("/settings/avatar", **multipart({"avatar": (photo(), "me.jpg")}))

    assert response.status_code == 302
    assert "Your new picture is saved." in text(browser.get(response.headers["Location"]))
    img = _tag(browser.get("/@alice").get_data(as_text=True), "img", "avatar--xl")
    assert 'src="/media/avatars/' in img
    assert 'width="96"' in img


def test_deleting_the_account_deletes_its_files_but_not_a_shared_one(
    app: Flask, browser: FlaskClient, media_root: str, alice: Writer
) -> None:
    bob = new_writer(app, "bob")
    own = _upload(browser, alice, photo())
    shared_file = photo()
    shared = _upload(browser, alice, shared_file)
    _upload(browser, bob, shared_file)
    kept = files_of(media_root, shared)
    assert files_of(media_root, own)

    response = browser.post(
        "/settings/delete", data={"delete-current_password": TEST_PASSWORD, "delete-confirm": "y"}
    )

    assert response.status_code == 302
    assert files_of(media_root, own) == set()
    assert files_of(media_root, shared) == kept
    assert _status(browser, own) == 404
    assert _status(browser, shared) == 200
