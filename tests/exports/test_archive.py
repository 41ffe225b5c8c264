"""What an export holds: the archive format (README.md, "Export"), for one writer and for
the whole site; hostile slugs; memory that does not grow with the site."""

from __future__ import annotations

import json
import secrets
import tempfile
import tracemalloc
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from folio.exports import archive as archive_module
from folio.exports.archive import Scope, entry_stem, write_archive
from folio.extensions import db
from folio.media.uploads import storage
from folio.models import User
from tests.exports.helpers import comment, export_archive, front_matter, upload, write
from tests.factories import ArticleFactory
from tests.media.helpers import Writer, new_writer, photo


@pytest.fixture
def alice(app: Flask) -> Writer:
    return new_writer(app, "alice")


@pytest.fixture
def bob(app: Flask) -> Writer:
    return new_writer(app, "bob")


def _original(client: FlaskClient, url: str) -> bytes:
    with client.get(urlsplit(url).path) as response:
        assert response.status_code == 200
        return response.get_data()


def test_a_writer_gets_every_article_with_front_matter_images_and_comments(
    client: FlaskClient, alice: Writer, bob: Writer
) -> None:
    cover, picture = upload(client, alice, photo()), upload(client, alice, photo((300, 200)))
    body = f"Cliffs at dawn.\n\n![the coast]({picture['url']})\n\nMore words."
    published = write(
        client,
        alice,
        title="The coast",
        body=body,
        tags=["sea", "travel"],
        cover_image=cover["url"],
        publish=True,
    )
    draft = write(client, alice, title="Not yet", body="Half *done*.")
    write(client, bob, title="Bob's own", body="Not alice's.", publish=True)
    comment(client, bob, published["slug"], "Lovely light.")
    comment(client, alice, published["slug"], "Thank you!")

    archive = export_archive(client, alice)

    names = set(archive.namelist())
    manifest = json.loads(archive.read("folio.json"))
    assert manifest["format"] == "folio-export"
    assert manifest["version"] == 1
    assert manifest["kind"] == "user"
    assert manifest["user"] == "alice"
    assert manifest["source"] == "http://localhost"
    assert datetime.fromisoformat(manifest["exported_at"]).utcoffset() is not None
    assert {n for n in names if n.startswith("articles/")} == {
        f"articles/{published['slug']}.md",
        f"articles/{draft['slug']}.md",
    }
    meta, text = front_matter(archive.read(f"articles/{published['slug']}.md").decode())
    cover_file = f"media/{cover['url'].split('/')[-2]}.jpg"
    picture_file = f"media/{picture['url'].split('/')[-2]}.jpg"
    assert meta["title"] == "The coast"
    assert meta["slug"] == published["slug"]
    assert meta["tags"] == ["sea", "travel"]
    assert meta["status"] == "published"
    assert meta["draft"] is False
    assert meta["author"] == "alice"
    assert meta["cover"] == cover_file
    assert meta["date"] == meta["published_at"]
    assert datetime.fromisoformat(meta["published_at"]).utcoffset() is not None
    assert text == body.replace(picture["url"], f"../{picture_file}")
    # The images' originals, byte for byte as Folio serves them.
    assert archive.read(cover_file) == _original(client, cover["url"])
    assert archive.read(picture_file) == _original(client, picture["url"])
    draft_meta, draft_text = front_matter(archive.read(f"articles/{draft['slug']}.md").decode())
    assert draft_meta["status"] == "draft"
    assert draft_meta["draft"] is True
    assert draft_meta["published_at"] is None
    assert draft_meta["date"] == draft_meta["created_at"]
    assert draft_meta["cover"] is None
    assert draft_text == "Half *done*."
    comments = json.loads(archive.read("comments.json"))
    assert [(c["article"], c["author"], c["body"]) for c in comments] == [
        (published["slug"], "bob", "Lovely light."),
        (published["slug"], "alice", "Thank you!"),
    ]
    assert set(comments[0]) == {"id", "article", "author", "body", "created_at"}
    assert "site.json" not in names
    assert "Not alice's." not in b"".join(archive.read(n) for n in names).decode("utf-8", "replace")


def test_comments_the_writer_left_elsewhere_are_in_their_export(
    client: FlaskClient, alice: Writer, bob: Writer
) -> None:
    bobs = write(client, bob, title="Bob writes", publish=True)
    comment(client, alice, bobs["slug"], "Alice was here.")

    comments = json.loads(export_archive(client, alice).read("comments.json"))

    assert [(c["article"], c["author"]) for c in comments] == [(bobs["slug"], "alice")]


def test_the_site_export_has_everything_and_no_secrets(
    app: Flask, client: FlaskClient, alice: Writer, bob: Writer
) -> None:
    admin = new_writer(app, "root", role="admin")
    picture = upload(client, alice, photo())
    article = write(
        client, alice, title="Shared", body=f"![x]({picture['url']})", tags=["x"], publish=True
    )
    write(client, bob, title="Bob's draft")
    comment(client, bob, article["slug"], "Nice.")
    assert client.post("/api/v1/profiles/alice/follow", headers=bob.headers).status_code in (
        200,
        201,
    )
    assert client.post(
        f"/api/v1/articles/{article['slug']}/favorite", headers=bob.headers
    ).status_code in (200, 201)
    with app.app_context():
        hashes = list(db.session.scalars(select(User.password_hash)))

    archive = export_archive(client, admin, kind="site")

    site = json.loads(archive.read("site.json"))
    assert json.loads(archive.read("folio.json"))["kind"] == "site"
    assert {u["username"] for u in site["users"]} >= {"alice", "bob", "root"}
    assert all("password_hash" not in u and "session_version" not in u for u in site["users"])
    assert {a["slug"] for a in site["articles"]} >= {article["slug"]}
    assert "x" in site["tags"]
    assert ("bob", "alice") in {(f["follower"], f["followee"]) for f in site["follows"]}
    assert ("bob", article["slug"]) in {(f["user"], f["article"]) for f in site["favorites"]}
    assert any(c["body"] == "Nice." for c in site["comments"])
    names = archive.namelist()
    assert any(n.startswith("articles/") and "bob-s-draft" in n for n in names)
    assert f"media/{picture['url'].split('/')[-2]}.jpg" in names
    everything = b"".join(archive.read(name) for name in names)
    assert hashes
    for secret in hashes:
        assert secret.encode() not in everything
    assert b"password" not in everything
    assert b"pbkdf2:" not in everything
    assert b"scrypt:" not in everything
    assert alice.token.encode() not in everything


HOSTILE = [
    ("../../etc/passwd", "Up and out"),
    ("/absolute/path", "Rooted"),
    ("caf\u00e9-\u00fcn\u00efcode-\u2713", "Caf\u00e9 \u2014 \u00fcn\u00efcode \u2713"),
    ("x" * 255, "y" * 200),
    ("..", "---\ntitle: injected\n---"),
    # PostgreSQL refuses NUL in text; other control characters get through.
    ("a\\b\x01c\td", "Back\\slash"),
]


def test_hostile_slugs_and_titles_stay_inside_the_articles_folder(
    app: Flask, client: FlaskClient, alice: Writer
) -> None:
    with app.app_context():
        author = db.session.get(User, alice.id)
        for slug, title in HOSTILE:
            ArticleFactory(author=author, slug=slug, title=title, body=f"Body of {title}")
        db.session.commit()

    archive = export_archive(client, alice)

    articles = [n for n in archive.namelist() if n.startswith("articles/")]
    assert len(articles) == len(HOSTILE)
    for name in articles:
        path = PurePosixPath(name)
        assert path.parent == PurePosixPath("articles"), name
        assert ".." not in path.parts
        assert "\\" not in name
        assert name.isprintable()
        assert not path.name.startswith(".")
        assert len(path.name.encode()) <= 255
    titles = {front_matter(archive.read(n).decode())[0]["title"] for n in articles}
    assert titles == {title for _slug, title in HOSTILE}
    slugs = {front_matter(archive.read(n).decode())[0]["slug"] for n in articles}
    assert slugs == {slug for slug, _title in HOSTILE}


def test_an_ordinary_slug_is_its_own_file_name() -> None:
    assert entry_stem("the-coast-2", 7) == "the-coast-2"
    assert entry_stem("../x", 7) == "x~7"
    assert entry_stem("", 7) == "article~7"


def _export_site(app: Flask, target: IO[bytes]) -> None:
    with app.app_context():
        write_archive(db.session(), storage(), target, Scope("site"), "http://localhost")


def _peak_bytes(app: Flask) -> int:
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            _export_site(app, target)
            return tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()


def _add_articles(app: Flask, author_id: int, count: int) -> None:
    with app.app_context():
        author = db.session.get(User, author_id)
        for _ in range(count):
            # ~22 KB of words that do not compress away, as real prose does not.
            body = " ".join(secrets.token_hex(4) for _ in range(2500))
            ArticleFactory(author=author, body=body, body_html="<p>x</p>", tags=["memory"])
        db.session.commit()


def test_memory_does_not_grow_with_the_site(
    app: Flask, alice: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches keep the test quick; long bodies make a batch weigh what it would
    # in production: holding every article (or the zip) in memory would show at once.
    batch = 20
    monkeypatch.setattr(archive_module, "BATCH", batch)
    # Two batches at least: while one is written the next is read, whatever the size.
    _add_articles(app, alice.id, 2 * batch)
    with tempfile.TemporaryFile() as warm_up:  # the statement cache, untraced
        _export_site(app, warm_up)
    small = _peak_bytes(app)
    _add_articles(app, alice.id, 6 * batch)

    large = _peak_bytes(app)

    # Four times the articles (160 x 22 KB of text); only the zip's directory grows.
    assert large < 1.25 * small, (small, large)
