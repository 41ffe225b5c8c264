"""Storage fixtures: a local folder, and a real S3 server (SeaweedFS, tests/seaweed.py).

One SeaweedFS runs per test session, or per pytest-xdist worker: tests that use it carry
``xdist_group("seaweedfs")`` (:data:`S3` marks them; a test that asks for the fixtures
by name is marked here too), so under ``--dist loadgroup`` one worker starts it once.
Each S3 test gets a bucket of its own, emptied and removed afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from folio.media.storage import LocalStorage, S3Storage, Storage, storage_from_config
from tests.seaweed import SeaweedFS, start_seaweedfs

S3 = pytest.mark.xdist_group("seaweedfs")
S3_FIXTURES = {"seaweedfs", "s3_settings", "s3_storage"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses_s3 = S3_FIXTURES & set(getattr(item, "fixturenames", ()))
        if uses_s3 and item.get_closest_marker("xdist_group") is None:
            item.add_marker(S3)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()


@pytest.fixture
def s3_settings(seaweedfs: SeaweedFS) -> dict[str, Any]:
    """Folio's settings for S3 storage on SeaweedFS, naming a bucket of this test's own."""
    return {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": f"folio-test-{uuid.uuid4().hex[:16]}",
        "S3_ENDPOINT_URL": seaweedfs.endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "folio-test",
        "S3_SECRET_ACCESS_KEY": "folio-test-secret",
        "S3_PUBLIC_URL": None,
        "S3_PRESIGN_SECONDS": 60,
        "S3_CONNECT_TIMEOUT": 2.0,
        "S3_READ_TIMEOUT": 10.0,
    }


@pytest.fixture
def s3_storage(s3_settings: dict[str, Any], tmp_path: Path) -> Iterator[S3Storage]:
    """S3 storage on a fresh, empty bucket."""
    storage = storage_from_config(s3_settings, str(tmp_path))
    assert isinstance(storage, S3Storage)
    storage.ensure_bucket()
    yield storage
    _drop_bucket(storage)


def _drop_bucket(storage: S3Storage) -> None:
    # Each bucket holds volumes of its own on the server: give them back.
    pages = storage.client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
    for page in pages:
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            storage.client.delete_objects(Bucket=storage.bucket, Delete={"Objects": keys})
    storage.client.delete_bucket(Bucket=storage.bucket)


@pytest.fixture(params=[pytest.param("local"), pytest.param("s3", marks=S3)])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn: the behaviour every one of them must have."""
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    s3: S3Storage = request.getfixturevalue("s3_storage")
    return s3
