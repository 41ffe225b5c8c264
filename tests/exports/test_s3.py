"""Exports on S3 storage (a real SeaweedFS): the archive goes to the bucket under
exports/, and downloads stream it back from there in chunks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.media.storage import S3Storage
from tests.exports.helpers import download, front_matter, request_export, upload, write
from tests.media.conftest import S3
from tests.media.helpers import new_writer, photo


@pytest.fixture
def app_overrides(s3_settings: dict[str, Any], s3_storage: S3Storage) -> dict[str, Any]:
    # s3_storage made the settings' bucket (and empties it afterwards).
    return dict(s3_settings)


@S3
def test_an_export_is_stored_in_the_bucket_and_streamed_back(
    app: Flask, client: FlaskClient, s3_storage: S3Storage
) -> None:
    alice = new_writer(app, "alice")
    picture = upload(client, alice, photo())
    article = write(client, alice, title="Stored in S3", body=f"![p]({picture['url']})")

    export = request_export(client, alice)

    assert export["status"] == "ready"
    listed = s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket, Prefix="exports/")
    assert [item["Size"] for item in listed["Contents"]] == [export["bytes"]]
    archive = download(client, alice, export["id"])
    content_hash = picture["url"].split("/")[-2]
    original = s3_storage.get(f"images/{content_hash}/original.jpg")
    assert archive.read(f"media/{content_hash}.jpg") == original
    _meta, body = front_matter(archive.read(f"articles/{article['slug']}.md").decode())
    assert body == f"![p](../media/{content_hash}.jpg)"
