"""Files that must be refused with a clear message, never half imported, never a 500."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from folio.core.uow import current_session
from folio.imports.items import ImportRefused
from folio.imports.runner import read_file, run_import
from folio.models import Article, ImportRun, User
from tests.imports.builders import zip_bomb, zip_of, zip_with_symlink
from tests.media.helpers import Writer, multipart, sign_in
from tests.web.helpers import text

NONE_OF_THEM = "This file is none of the formats Folio imports"


def _refusal(app: Flask, data: bytes) -> str:
    with app.app_context(), pytest.raises(ImportRefused) as refused:
        read_file(data)
    return refused.value.message


def test_a_zip_bomb_stops_being_read_at_the_cap(app: Flask) -> None:
    assert "zip bomb" in _refusal(app, zip_bomb())


def test_a_zip_bomb_is_stopped_by_the_total_cap_too(app: Flask) -> None:
    app.config["IMPORT_MAX_RATIO"] = 10_000
    app.config["IMPORT_MAX_UNPACKED_BYTES"] = 2 * 1024 * 1024
    assert "zip bomb" in _refusal(app, zip_bomb(8 * 1024 * 1024))


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../outside.md", "climbs out of the archive"),
        ("posts/../../outside.md", "climbs out of the archive"),
        ("/etc/cron.d/evil.md", "is an absolute path"),
        ("C:/evil.md", "is an absolute path"),
    ],
)
def test_zip_paths_outside_the_archive_are_refused(app: Flask, name: str, problem: str) -> None:
    data = zip_of({"post.md": "---\ntitle: ok\n---\nfine\n", name: "---\ntitle: x\n---\n"})
    assert problem in _refusal(app, data)


def test_a_symbolic_link_in_a_zip_is_refused(app: Flask) -> None:
    assert "is a symbolic link" in _refusal(app, zip_with_symlink())


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&secret;</title>
<wp:wxr_version>1.2</wp:wxr_version></channel></rss>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol3;</title></channel></rss>"""


@pytest.mark.parametrize("document", [XXE, LAUGHS], ids=["external-entity", "billion-laughs"])
def test_xml_with_entities_is_refused_by_defusedxml(app: Flask, document: bytes) -> None:
    message = _refusal(app, document)
    assert "declares entities or external references" in message


@pytest.mark.parametrize("version", ["3.42.0", "7.0.0", "", "five"])
def test_a_ghost_export_of_another_version_is_refused(app: Flask, version: str) -> None:
    export = {"db": [{"meta": {"version": version}, "data": {"posts": []}}]}
    message = _refusal(app, json.dumps(export).encode())
    assert "Folio imports Ghost 4.x, 5.x and 6.x exports" in message


@pytest.mark.parametrize(
    "data",
    [
        b"just some text",
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b'{"posts": []}',
        b"<html><body>not an export</body></html>",
        b"<rss><channel><title>a plain feed</title></channel></rss>",
        zip_of({"photo.jpg": b"not markdown"}),
        b"",
    ],
    ids=["text", "png", "other-json", "html", "plain-rss", "zip-without-markdown", "empty"],
)
def test_a_file_of_no_known_format_is_named_so(app: Flask, data: bytes) -> None:
    assert NONE_OF_THEM in _refusal(app, data)


def test_scripts_and_event_handlers_never_reach_a_page(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    data = zip_of(
        {
            "evil.md": (
                "---\ntitle: Evil\n---\nHello <script>alert(1)</script>"
                '<img src="x" onerror="alert(2)"> [link](javascript:alert(3))\n'
            )
        }
    )
    with app.app_context():
        actor = current_session().get(User, writer.id)
        report = run_import(read_file(data), actor, map_authors=False, dry_run=False)
        current_session().commit()
    assert not report.failed
    html = client.get("/articles/evil").get_data(as_text=True)
    assert "Hello" in html
    # Raw HTML in Markdown is shown as text, never as markup.
    assert not re.search(r"<script>alert", html)
    assert not re.search(r"<[^>]*\sonerror=", html)
    assert 'href="javascript:' not in html


def test_the_page_names_the_problem_and_keeps_nothing(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    sign_in(client, writer)
    response = client.post(
        "/settings/import", **multipart({"file": (zip_with_symlink(), "site.zip")})
    )
    assert response.status_code == 422
    assert "is a symbolic link" in text(response)
    with app.app_context():
        assert current_session().scalar(select(func.count()).select_from(ImportRun)) == 0
        assert current_session().scalar(select(func.count()).select_from(Article)) == 0


def test_an_upload_past_the_limit_gets_a_clear_413(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    sign_in(client, writer)
    # A request that says it carries 500 MB is refused before a byte of it is read.
    claimed = client.post(
        "/settings/import",
        environ_overrides={"CONTENT_LENGTH": str(500 * 1024 * 1024)},
        **multipart({"file": (b"small", "big.zip")}),
    )
    assert claimed.status_code == 413
    assert "the import limit is 100 MB" in text(claimed)
    # One that is really larger than the (here lowered) limit.
    app.config["IMPORT_MAX_BYTES"] = 1024
    real = client.post("/settings/import", **multipart({"file": (b"x" * 200_000, "big.zip")}))
    assert real.status_code == 413
    assert "the import limit is" in text(real)
