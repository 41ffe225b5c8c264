"""Round trip: a writer's Folio export, imported into an empty Folio, gives the same
articles, bodies, tags, dates and images.

Both ends use the command line an operator would: ``flask export --user`` on the test's
site, ``flask import --user`` on a second site with a database and media folder of its
own, built from the migrations as a new install is.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from PIL import Image, ImageChops, ImageStat
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from folio import create_app
from folio.extensions import db
from folio.media.models import Media
from folio.models import Article, User
from tests.conftest import _migrations
from tests.factories import UserFactory
from tests.media.helpers import HASH_IN_URL, Writer, api_upload, new_writer, photo


@dataclass(frozen=True)
class Snapshot:
    slug: str
    title: str
    description: str
    body: str
    images: tuple[str, ...]
    tags: tuple[str, ...]
    status: str
    created_at: datetime
    published_at: datetime | None
    cover_hash: str | None

    def words(self) -> tuple[Any, ...]:
        """Everything but the images' keys."""
        return (
            self.slug,
            self.title,
            self.description,
            self.body,
            self.tags,
            self.status,
            self.created_at,
            self.published_at,
        )


def assert_same_picture(old: bytes, new: bytes) -> None:
    """Same size and format, and pixels that differ no more than re-encoding makes them."""
    with Image.open(io.BytesIO(old)) as a, Image.open(io.BytesIO(new)) as b:
        assert (a.format, a.size) == (b.format, b.size)
        difference = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")))
        assert max(difference.mean) < 4, difference.mean


def snapshot(app: Flask, username: str) -> dict[str, Snapshot]:
    """What a reader and the writer would compare: every article of ``username``."""
    with app.app_context():
        author = db.session.scalar(select(User).where(User.username == username))
        assert author is not None
        articles = db.session.scalars(
            select(Article)
            .where(Article.author_id == author.id)
            .options(selectinload(Article.tags))
        )
        found = {}
        for article in articles:
            cover = db.session.get(Media, article.cover_id) if article.cover_id else None
            found[article.slug] = Snapshot(
                slug=article.slug,
                title=article.title,
                description=article.description,
                body=HASH_IN_URL.sub(_numbered_images(), article.body),
                images=tuple(HASH_IN_URL.findall(article.body)),
                tags=tuple(sorted(tag.name for tag in article.tags)),
                status=str(
                    article.status.value if hasattr(article.status, "value") else article.status
                ),
                created_at=_utc(article.created_at),
                published_at=_utc(article.published_at) if article.published_at else None,
                cover_hash=cover.content_hash if cover else None,
            )
        return found


def _numbered_images() -> Any:
    """A substitution naming each image URL by its place in the body: the same picture
    stored again on another site has another key."""
    seen: list[str] = []

    def number(match: re.Match[str]) -> str:
        seen.append(match.group(1))
        return f"/media/<image {len(seen)}>/"

    return number


def _utc(moment: datetime) -> datetime:
    # SQLite gives naive UTC back; compare instants, to the second.
    return moment.replace(tzinfo=None, microsecond=0)


def stored_originals(app: Flask, username: str) -> dict[str, bytes]:
    """The bytes of each image the writer owns, by content hash, read from storage."""
    from folio.media.storage import storage_from_config

    with app.app_context():
        storage = storage_from_config(app.config, app.config["MEDIA_ROOT"])
        author = db.session.scalar(select(User).where(User.username == username))
        uploads = db.session.scalars(select(Media).where(Media.owner_id == author.id))
        return {m.content_hash: storage.get(m.original_key) or b"" for m in uploads}


@pytest.fixture
def empty_site(tmp_path: Path) -> Iterator[Flask]:
    """A second Folio: its own SQLite database, migrated, and its own media folder."""
    other = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}",
            "MEDIA_ROOT": str(tmp_path / "other-media"),
        },
    )
    with other.app_context():
        upgrade(directory=_migrations())
        UserFactory(username="alice", email="alice@example.test")
        db.session.commit()
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def write(client: FlaskClient, writer: Writer, **article: Any) -> str:
    answer = client.post("/api/v1/articles", json=article, headers=writer.headers)
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["slug"])


def test_an_export_imported_into_an_empty_folio_gives_the_same_writing(
    app: Flask, client: FlaskClient, empty_site: Flask, tmp_path: Path
) -> None:
    alice = new_writer(app, "alice", email="alice@example.test")
    uploads = []
    for _ in range(2):
        answer = api_upload(client, alice, photo((320, 240)))
        assert answer.status_code == 201, answer.get_json()
        uploads.append(answer.get_json()["url"])
    pictures = write(
        client,
        alice,
        title="Pictures from the coast",
        description="Two photographs and a footnote.",
        body=f"A cove at dawn.\n\n![The cove]({uploads[0]})\n\nThe end.[^1]\n\n[^1]: Really.\n",
        tags=["travel", "photography"],
        cover_image=uploads[1],
        publish=True,
    )
    write(
        client,
        alice,
        title="Ünïcode & drafts",
        description="",
        body="Not yet *ready*.",
        tags=["notes"],
    )
    before = snapshot(app, "alice")
    assert len(before) == 2

    archive = tmp_path / "alice.zip"
    exported = app.test_cli_runner().invoke(args=["export", "--user", "alice", str(archive)])
    assert exported.exit_code == 0, exported.output
    assert zipfile.is_zipfile(archive)

    imported = empty_site.test_cli_runner().invoke(args=["import", str(archive), "--user", "alice"])
    assert imported.exit_code == 0, imported.output
    after = snapshot(empty_site, "alice")
    assert {slug: a.words() for slug, a in after.items()} == {
        slug: b.words() for slug, b in before.items()
    }

    # The images are the same pictures, stored again on the other site (processed as
    # any upload is: a JPEG is encoded anew, so its bytes and key differ).
    old_files, new_files = stored_originals(app, "alice"), stored_originals(empty_site, "alice")
    assert len(new_files) == len(old_files) == 2
    for slug, old in before.items():
        new = after[slug]
        pairs = list(zip(old.images, new.images, strict=True))
        if old.cover_hash or new.cover_hash:
            assert old.cover_hash
            assert new.cover_hash
            pairs.append((old.cover_hash, new.cover_hash))
        for old_hash, new_hash in pairs:
            assert_same_picture(old_files[old_hash], new_files[new_hash])
    assert after[pictures].images
    assert after[pictures].cover_hash

    # The same file again creates nothing twice.
    again = empty_site.test_cli_runner().invoke(args=["import", str(archive), "--user", "alice"])
    assert again.exit_code == 0, again.output
    assert snapshot(empty_site, "alice") == after
