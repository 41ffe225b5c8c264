"""``flask --app folio media create-bucket``: the setup step before images go to S3."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import Result

from folio import create_app
from folio.media.storage import S3Storage, storage_from_config
from tests.media.conftest import S3


def run(settings: dict[str, Any], database_url: str, tmp_path: Path) -> Result:
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "MEDIA_ROOT": str(tmp_path), **settings},
    )
    return app.test_cli_runner().invoke(args=["media", "create-bucket"])


@pytest.fixture
def bucket(s3_settings: dict[str, Any], tmp_path: Path) -> Iterator[S3Storage]:
    """The bucket the settings name, which does not exist yet; removed afterwards."""
    storage = storage_from_config(s3_settings, str(tmp_path))
    assert isinstance(storage, S3Storage)
    yield storage
    # Each bucket holds volumes of its own on the server: give them back.
    if bucket_exists(storage):
        storage.client.delete_bucket(Bucket=storage.bucket)


def bucket_exists(storage: S3Storage) -> bool:
    # HEAD, not ListBuckets: SeaweedFS lists only the buckets of configured identities.
    try:
        storage.client.head_bucket(Bucket=storage.bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in {"404", "NoSuchBucket"}:
            return False
        raise
    return True


@S3
def test_create_bucket_creates_it_once_and_then_says_it_is_there(
    s3_settings: dict[str, Any], bucket: S3Storage, database_url: str, tmp_path: Path
) -> None:
    assert not bucket_exists(bucket)
    first = run(s3_settings, database_url, tmp_path)
    assert first.exit_code == 0, first.output
    assert f"Created the bucket {bucket.bucket} at {s3_settings['S3_ENDPOINT_URL']}" in (
        first.output
    )
    assert bucket_exists(bucket)
    # A deploy runs it on every release: the second time is harmless and says so.
    again = run(s3_settings, database_url, tmp_path)
    assert again.exit_code == 0, again.output
    assert f"The bucket {bucket.bucket} already exists" in again.output
    # The bucket takes images: what the app stores, it reads back.
    key = "images/" + "0" * 64 + "/original.png"
    bucket.put(key, b"\x89PNG\r\n\x1a\n", "image/png")
    assert bucket.get(key) == b"\x89PNG\r\n\x1a\n"
    bucket.delete([key])


def test_create_bucket_refuses_local_storage(database_url: str, tmp_path: Path) -> None:
    result = run({"MEDIA_STORAGE": "local"}, database_url, tmp_path)
    assert result.exit_code != 0
    assert "MEDIA_STORAGE is 'local'" in result.output
    assert "no bucket to create" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_create_bucket_reports_an_unreachable_store_without_a_traceback(
    database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "folio-media",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "folio-test",
        "S3_SECRET_ACCESS_KEY": "folio-test-secret",
        "S3_CONNECT_TIMEOUT": 0.5,
        "S3_READ_TIMEOUT": 0.5,
    }
    result = run(settings, database_url, tmp_path)
    assert result.exit_code != 0
    assert "could not create the bucket: S3 check bucket folio-media" in result.output
    assert "Traceback" not in result.output
    assert "folio-test-secret" not in result.output
