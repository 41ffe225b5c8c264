"""Media storage: the same behaviour from the local folder and from a real S3 server."""

from __future__ import annotations

import hashlib
import os
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from folio.media.storage import (
    IMMUTABLE,
    InvalidKey,
    LocalStorage,
    S3Storage,
    Storage,
    StorageError,
    check_key,
    storage_from_config,
)
from tests.media.conftest import S3

HASH = hashlib.sha256(b"an image").hexdigest()
KEY = f"images/{HASH}/original.jpg"
OTHER = f"avatars/{HASH}/128.webp"
JPEG = b"\xff\xd8\xff\xe0 not really a jpeg \xff\xd9"

GOOD_KEYS = [
    KEY,
    OTHER,
    f"images/{HASH}/480.png",
    f"images/{HASH}/99999.gif",
    f"avatars/{HASH}/original.webp",
    f"exports/{HASH[:32]}.zip",
]
BAD_KEYS = [
    "",
    "../x",
    "images/../../etc/passwd",
    f"images/{HASH}/../../../etc/passwd",
    f"images/{HASH}/./original.jpg",
    "/etc/passwd",
    f"/images/{HASH}/original.jpg",
    f"images\\{HASH}\\original.jpg",
    f"images/{HASH}\\..\\original.jpg",
    f"images/{HASH}/original.jpg\x00",
    f"images/{HASH}\x00/original.jpg",
    f"images/{HASH}/original.jpg\n",
    f"images/{HASH.upper()}/original.jpg",
    f"images/{HASH[:63]}/original.jpg",
    f"images/{HASH}/original.exe",
    f"images/{HASH}/original.JPG",
    f"images/{HASH}/original.jpg.exe",
    f"images/{HASH}/123456.jpg",
    f"videos/{HASH}/original.jpg",
    f"images/{HASH}/sub/original.jpg",
    f"images//{HASH}/original.jpg",
    "exports/../x.zip",
    f"exports/{HASH}.zip",
    f"exports/{HASH[:32]}.zip/x",
    f"exports/{HASH[:32]}.tar",
]


def _stored_keys(storage: Storage) -> list[str]:
    """Every key the backend holds, read behind its back."""
    if isinstance(storage, LocalStorage):
        if not storage.root.exists():
            return []
        files = (p for p in storage.root.rglob("*") if p.is_file())
        return sorted(str(p.relative_to(storage.root)) for p in files)
    assert isinstance(storage, S3Storage)
    listed = storage.client.list_objects_v2(Bucket=storage.bucket)
    return sorted(item["Key"] for item in listed.get("Contents", []))


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_check_key_returns_the_keys_folio_makes(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_check_key_refuses_every_other_shape(key: str) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)
    assert issubclass(InvalidKey, ValueError)


# --- both backends ------------------------------------------------------------------------


def test_a_file_goes_in_and_comes_back_in_chunks(storage: Storage, tmp_path: Path) -> None:
    # Export archives (folio.exports) are stored from a file and read back a chunk at a
    # time, so neither side holds a whole archive in memory.
    key = f"exports/{HASH[:32]}.zip"
    data = os.urandom(300_000)
    source = tmp_path / "archive.zip"
    source.write_bytes(data)
    assert storage.chunks(key) is None

    storage.put_file(key, source, "application/zip")
    chunks = storage.chunks(key, 100_000)

    assert chunks is not None
    pieces = list(chunks)
    assert b"".join(pieces) == data
    assert max(len(piece) for piece in pieces) <= 100_000
    assert key in _stored_keys(storage)
    storage.delete([key])
    assert storage.chunks(key) is None


def test_round_trip(storage: Storage) -> None:
    assert storage.get(KEY) is None
    assert not storage.exists(KEY)

    storage.put(KEY, JPEG, "image/jpeg")
    storage.put(OTHER, b"webp bytes", "image/webp")

    assert storage.get(KEY) == JPEG
    assert storage.exists(KEY)
    assert _stored_keys(storage) == sorted([KEY, OTHER])

    storage.delete([KEY])
    assert storage.get(KEY) is None
    assert not storage.exists(KEY)
    assert storage.get(OTHER) == b"webp bytes"


def test_put_is_idempotent(storage: Storage) -> None:
    storage.put(KEY, JPEG, "image/jpeg")
    storage.put(KEY, JPEG, "image/jpeg")
    assert storage.get(KEY) == JPEG
    assert _stored_keys(storage) == [KEY]


def test_deleting_missing_keys_is_fine(storage: Storage) -> None:
    storage.delete([])
    storage.delete([KEY, OTHER, KEY])
    storage.put(KEY, JPEG, "image/jpeg")
    storage.delete([KEY, OTHER, KEY])
    assert _stored_keys(storage) == []


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
def test_bad_keys_are_refused_and_touch_nothing(storage: Storage, key: str) -> None:
    storage.put(KEY, JPEG, "image/jpeg")
    calls: list[Callable[[], object]] = [
        lambda: storage.put(key, b"evil", "image/jpeg"),
        lambda: storage.get(key),
        lambda: storage.exists(key),
        lambda: storage.delete([KEY, key]),  # the good key must survive too
        lambda: storage.public_url(key),
        lambda: storage.signed_url(key, 60),
        lambda: storage.local_path(key),
    ]
    for call in calls:
        with pytest.raises(InvalidKey):
            call()
    assert _stored_keys(storage) == [KEY]
    assert storage.get(KEY) == JPEG


# --- local --------------------------------------------------------------------------------


def test_local_put_leaves_exactly_the_file_and_stays_under_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    storage.put(KEY, JPEG, "image/jpeg")

    path = storage.local_path(KEY)
    assert path == (tmp_path / "media" / KEY).resolve()
    assert path.read_bytes() == JPEG
    assert os.listdir(path.parent) == ["original.jpg"]  # no temporary file left over
    assert path.stat().st_mode & 0o777 == 0o644
    assert storage.origin is None
    assert storage.public_url(KEY) is None
    assert storage.signed_url(KEY, 60) is None


def test_local_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalStorage(tmp_path)
    storage.put(KEY, JPEG, "image/jpeg")

    def disk_full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StorageError, match="No space left"):
        storage.put(KEY, b"half a new version", "image/jpeg")
    with pytest.raises(StorageError):
        storage.put(OTHER, b"half", "image/webp")

    # The old version is whole, the new key absent, and no temporary file stays behind.
    assert storage.get(KEY) == JPEG
    assert not storage.exists(OTHER)
    assert _stored_keys(storage) == [KEY]


def test_local_refuses_a_path_a_symlink_leads_out_of_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "media"
    root.mkdir()
    (root / "images").symlink_to(outside, target_is_directory=True)
    storage = LocalStorage(root)

    with pytest.raises(InvalidKey):
        storage.put(KEY, b"escaped", "image/jpeg")
    with pytest.raises(InvalidKey):
        storage.get(KEY)
    assert list(outside.iterdir()) == []


def test_local_backend_failures_are_storage_errors(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.write_bytes(b"a file where the folder should be")
    storage = LocalStorage(root)
    with pytest.raises(StorageError) as raised:
        storage.put(KEY, JPEG, "image/jpeg")
    assert isinstance(raised.value.__cause__, OSError)


# --- S3 -----------------------------------------------------------------------------------


@S3
def test_s3_objects_carry_the_content_type_and_immutable_caching(
    s3_storage: S3Storage,
) -> None:
    s3_storage.put(KEY, JPEG, "image/jpeg")
    s3_storage.put(OTHER, b"webp", "image/webp")

    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=KEY)
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == IMMUTABLE == "public, max-age=31536000, immutable"
    other = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=OTHER)
    assert other["ContentType"] == "image/webp"
    assert s3_storage.local_path(KEY) is None


@S3
def test_s3_presigned_url_serves_the_bytes(s3_storage: S3Storage) -> None:
    s3_storage.put(KEY, JPEG, "image/jpeg")
    url = s3_storage.signed_url(KEY, 60)

    assert url is not None
    assert url.startswith(f"{s3_storage.origin}/{s3_storage.bucket}/{KEY}?")
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
        assert response.read() == JPEG
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"] == IMMUTABLE


@S3
def test_s3_origin_is_the_endpoint_without_a_public_url(
    s3_storage: S3Storage, s3_settings: dict[str, Any]
) -> None:
    assert s3_storage.public_url(KEY) is None
    assert s3_storage.origin == s3_settings["S3_ENDPOINT_URL"]


@S3
def test_s3_public_url_is_the_base_and_the_key(
    s3_storage: S3Storage, s3_settings: dict[str, Any], tmp_path: Path
) -> None:
    # SeaweedFS without identities lets anyone read, as a public bucket does.
    endpoint = s3_settings["S3_ENDPOINT_URL"]
    base = f"{endpoint}/{s3_storage.bucket}/"
    public = storage_from_config({**s3_settings, "S3_PUBLIC_URL": base}, str(tmp_path))
    public.put(KEY, JPEG, "image/jpeg")

    url = public.public_url(KEY)
    assert url == f"{endpoint}/{s3_storage.bucket}/{KEY}"
    assert public.origin == endpoint
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our server
        assert response.read() == JPEG
        assert response.headers["Content-Type"] == "image/jpeg"


def test_s3_public_url_and_origin_with_a_cdn(tmp_path: Path) -> None:
    config = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "folio-media",
        "S3_ENDPOINT_URL": "https://s3.example.net",
        "S3_REGION": "eu-west-1",
        "S3_PUBLIC_URL": "https://cdn.example.com:8443/media/",
    }
    storage = storage_from_config(config, str(tmp_path))
    assert storage.public_url(KEY) == f"https://cdn.example.com:8443/media/{KEY}"
    assert storage.origin == "https://cdn.example.com:8443"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that takes connections and never answers (the kernel's backlog accepts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def _unreachable(tmp_path: Path, port: int) -> S3Storage:
    config = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "folio-media",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "folio-test",
        "S3_SECRET_ACCESS_KEY": "folio-test-secret",
        "S3_CONNECT_TIMEOUT": 0.5,
        "S3_READ_TIMEOUT": 0.5,
    }
    storage = storage_from_config(config, str(tmp_path))
    assert isinstance(storage, S3Storage)
    return storage


def test_s3_unreachable_endpoint_raises_storage_error_quickly(tmp_path: Path) -> None:
    storage = _unreachable(tmp_path, _closed_port())
    calls: list[Callable[[], object]] = [
        lambda: storage.put(KEY, JPEG, "image/jpeg"),
        lambda: storage.get(KEY),
        lambda: storage.exists(KEY),
        lambda: storage.delete([KEY]),
        storage.ensure_bucket,
    ]
    for call in calls:
        started = time.monotonic()
        with pytest.raises(StorageError, match=r"^S3 .*folio-media") as raised:
            call()
        assert time.monotonic() - started < 5
        assert isinstance(raised.value.__cause__, EndpointConnectionError)
        assert "folio-test-secret" not in str(raised.value)


def test_s3_silent_server_times_out_as_storage_error(tmp_path: Path, silent_server: int) -> None:
    storage = _unreachable(tmp_path, silent_server)
    started = time.monotonic()
    with pytest.raises(StorageError, match=r"^S3 get folio-media/") as raised:
        storage.get(KEY)
    # Three attempts of half a second each, with botocore's backoff (under 3 s) between.
    assert time.monotonic() - started < 8
    assert isinstance(raised.value.__cause__, ReadTimeoutError)


class _RecordingClient:
    """Stands in for boto3's client: records each DeleteObjects call."""

    class meta:  # noqa: N801 - boto3's attribute name
        endpoint_url = "http://s3.test"
        region_name = "us-east-1"

    def __init__(self, errors: list[dict[str, str]] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.errors = errors or []

    def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        assert Delete["Quiet"] is True
        self.batches.append([item["Key"] for item in Delete["Objects"]])
        return {"Errors": self.errors}


def test_s3_delete_sends_batches_of_a_thousand() -> None:
    client = _RecordingClient()
    keys = [f"images/{hashlib.sha256(str(n).encode()).hexdigest()}/480.webp" for n in range(2001)]
    S3Storage("bucket", client).delete(keys + keys[:5])  # duplicates are sent once
    assert [len(batch) for batch in client.batches] == [1000, 1000, 1]
    assert [key for batch in client.batches for key in batch] == keys


def test_s3_delete_reports_keys_it_could_not_delete() -> None:
    denied = [{"Key": KEY, "Code": "AccessDenied", "Message": "Access Denied"}]
    with pytest.raises(StorageError, match="AccessDenied"):
        S3Storage("bucket", _RecordingClient(denied)).delete([KEY])
    missing = [{"Key": KEY, "Code": "NoSuchKey", "Message": "gone"}]
    S3Storage("bucket", _RecordingClient(missing)).delete([KEY])


# --- configuration ------------------------------------------------------------------------


def test_local_storage_defaults_to_the_instance_folder(tmp_path: Path) -> None:
    storage = storage_from_config({"MEDIA_STORAGE": "local", "MEDIA_ROOT": None}, str(tmp_path))
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "media").resolve()
    assert storage.origin is None
    assert not (tmp_path / "media").exists()  # made by the first put, not here

    chosen = storage_from_config({"MEDIA_ROOT": str(tmp_path / "elsewhere")}, str(tmp_path))
    assert isinstance(chosen, LocalStorage)
    assert chosen.root == (tmp_path / "elsewhere").resolve()


@pytest.mark.parametrize("bucket", [None, ""])
def test_s3_without_a_bucket_is_refused(tmp_path: Path, bucket: str | None) -> None:
    with pytest.raises(ValueError, match="S3_BUCKET"):
        storage_from_config({"MEDIA_STORAGE": "s3", "S3_BUCKET": bucket}, str(tmp_path))


def test_an_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"MEDIA_STORAGE.*'ftp'"):
        storage_from_config({"MEDIA_STORAGE": "ftp"}, str(tmp_path))


@pytest.mark.parametrize("name", ["S3_PUBLIC_URL", "S3_ENDPOINT_URL"])
def test_s3_addresses_without_a_scheme_are_refused(tmp_path: Path, name: str) -> None:
    config = {"MEDIA_STORAGE": "s3", "S3_BUCKET": "media", name: "cdn.example.com"}
    with pytest.raises(ValueError, match=name):
        storage_from_config(config, str(tmp_path))
