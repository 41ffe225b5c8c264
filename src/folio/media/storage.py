"""Where image bytes live: files under a local folder, or objects in an S3-compatible bucket.

Keys are content-addressed and have one shape only (:data:`KEY_PATTERN`); every method of
both backends checks the key first, so nothing a client sends can name a path or object
outside the media area. Backend failures (unreachable, timed out, denied, disk full)
surface as :class:`StorageError`, never as a botocore or OS exception.

No Flask here: :func:`storage_from_config` takes the app's config as a mapping.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

KEY_PATTERN = re.compile(
    r"^(images|avatars)/[0-9a-f]{64}/(original|[0-9]{1,5})\.(jpg|png|webp|gif)$"
)
# Export archives (folio.exports) live beside the media under a prefix of their own,
# which the public /media route never serves (its pattern is media keys only).
EXPORT_KEY_PATTERN = re.compile(r"^exports/[0-9a-f]{32}\.zip$")
# Reads in chunks of this size keep memory flat whatever the object's size.
CHUNK_BYTES = 256 * 1024
# Keys name content by its hash, so an object never changes once written.
IMMUTABLE = "public, max-age=31536000, immutable"
# S3's limit on the keys one DeleteObjects request may carry.
DELETE_BATCH = 1000
# S3 answers a missing object with one of these (HEAD has no body, hence the bare 404).
MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class InvalidKey(ValueError):
    """The key is not one Folio makes; nothing was read or written."""


class StorageError(Exception):
    """The backend failed (unreachable, timeout, denied); the message is safe to log."""


def check_key(key: str) -> str:
    """Return ``key`` if it has the one shape media keys have; raise :class:`InvalidKey`."""
    # fullmatch: "$" alone would also accept a key followed by a newline.
    if not isinstance(key, str) or not (
        KEY_PATTERN.fullmatch(key) or EXPORT_KEY_PATTERN.fullmatch(key)
    ):
        raise InvalidKey(f"not a media key: {str(key)[:100]!r}")
    return key


class Storage(Protocol):
    # "scheme://host[:port]" browsers load images from directly (the CSP's img-src);
    # None when Folio serves or redirects them itself.
    origin: str | None

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, keys: Iterable[str]) -> None: ...

    def public_url(self, key: str) -> str | None: ...

    def signed_url(self, key: str, expires: int) -> str | None: ...

    def local_path(self, key: str) -> Path | None: ...

    def put_file(self, key: str, path: Path, content_type: str) -> None: ...

    def chunks(self, key: str, size: int = CHUNK_BYTES) -> Iterator[bytes] | None: ...


class LocalStorage:
    """Files under ``root/<key>``, served by Folio (see :meth:`local_path`)."""

    origin: str | None = None

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        # The key's shape already rules out "..": this catches a symlink inside root.
        if not path.is_relative_to(self.root):
            raise InvalidKey(f"media key leaves the media folder: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        with _os_errors("write", key):
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        with _os_errors("read", key):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                return None

    def exists(self, key: str) -> bool:
        path = self._path(key)
        with _os_errors("check", key):
            return path.is_file()

    def delete(self, keys: Iterable[str]) -> None:
        # Every key is checked before any file goes: a bad key deletes nothing.
        paths = [self._path(key) for key in keys]
        for path in paths:
            with _os_errors("delete", str(path.relative_to(self.root))):
                path.unlink(missing_ok=True)

    def public_url(self, key: str) -> str | None:
        check_key(key)
        return None

    def signed_url(self, key: str, expires: int) -> str | None:
        check_key(key)
        return None

    def local_path(self, key: str) -> Path | None:
        """Where the key's file is (or would be); the caller checks that it exists."""
        return self._path(key)

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store a file's bytes under ``key`` without reading it into memory."""
        target = self._path(key)
        with _os_errors("write", key):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            try:
                with os.fdopen(fd, "wb") as file, open(path, "rb") as source:
                    shutil.copyfileobj(source, file, CHUNK_BYTES)
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise

    def chunks(self, key: str, size: int = CHUNK_BYTES) -> Iterator[bytes] | None:
        """The object's bytes, ``size`` at a time; None when there is no such object."""
        path = self._path(key)
        with _os_errors("read", key):
            try:
                # Closed by the generator, when it ends or is closed.
                file = open(path, "rb")
            except FileNotFoundError:
                return None
        return _file_chunks(file, size, key)


def _write_atomically(path: Path, data: bytes) -> None:
    # A temporary file in the same folder, renamed over the key: a reader sees the old
    # file or the whole new one, never a part, and a failed write leaves no file behind.
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes files 0600; images are public and a web server may serve them.
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _file_chunks(file: Any, size: int, key: str) -> Iterator[bytes]:
    with file, _os_errors("read", key):
        while chunk := file.read(size):
            yield chunk


@contextmanager
def _os_errors(action: str, key: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageError(f"media folder: could not {action} {key}: {exc.strerror}") from exc


class S3Storage:
    """Objects in an S3-compatible bucket, through a boto3 client (see :func:`s3_client`)."""

    def __init__(self, bucket: str, client: Any, public_url: str | None = None) -> None:
        self.bucket = bucket
        self.client = client
        self.public_base = public_url.rstrip("/") if public_url else None
        # Browsers load from the public base when there is one, else from the presigned
        # URLs, which point at the client's endpoint.
        self.origin: str | None = _origin(self.public_base or client.meta.endpoint_url)

    @contextmanager
    def _calling(self, action: str, key: str = "") -> Iterator[None]:
        try:
            yield
        except (BotoCoreError, ClientError) as exc:
            where = f"{self.bucket}/{key}" if key else self.bucket
            raise StorageError(f"S3 {action} {where}: {_describe(exc)}") from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        check_key(key)
        with self._calling("put", key):
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                CacheControl=IMMUTABLE,
            )

    def get(self, key: str) -> bytes | None:
        check_key(key)
        with self._calling("get", key):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _error_code(exc) in MISSING:
                    return None
                raise
            return bytes(response["Body"].read())

    def exists(self, key: str) -> bool:
        check_key(key)
        with self._calling("check", key):
            try:
                self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _error_code(exc) in MISSING:
                    return False
                raise
            return True

    def delete(self, keys: Iterable[str]) -> None:
        # Every key is checked before any request: a bad key deletes nothing.
        unique = list(dict.fromkeys(check_key(key) for key in keys))
        for start in range(0, len(unique), DELETE_BATCH):
            batch = unique[start : start + DELETE_BATCH]
            with self._calling("delete", batch[0]):
                response = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            failed = [e for e in response.get("Errors", []) if e.get("Code") not in MISSING]
            if failed:
                first = failed[0]
                raise StorageError(
                    f"S3 delete {self.bucket}/{first.get('Key')}: {first.get('Code')}"
                    f" ({len(failed)} of {len(batch)} keys not deleted)"
                )

    def public_url(self, key: str) -> str | None:
        check_key(key)
        return f"{self.public_base}/{key}" if self.public_base else None

    def signed_url(self, key: str, expires: int) -> str | None:
        check_key(key)
        with self._calling("sign", key):
            url = self.client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires
            )
        return str(url)

    def local_path(self, key: str) -> Path | None:
        check_key(key)
        return None

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Upload a file (multipart past boto3's threshold) without reading it whole."""
        check_key(key)
        with self._calling("put", key), open(path, "rb") as file:
            self.client.upload_fileobj(
                file, self.bucket, key, ExtraArgs={"ContentType": content_type}
            )

    def chunks(self, key: str, size: int = CHUNK_BYTES) -> Iterator[bytes] | None:
        """The object's bytes, ``size`` at a time; None when there is no such object."""
        check_key(key)
        with self._calling("get", key):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if _error_code(exc) in MISSING:
                    return None
                raise
        return self._body_chunks(response["Body"], size, key)

    def _body_chunks(self, body: Any, size: int, key: str) -> Iterator[bytes]:
        with self._calling("get", key):
            try:
                yield from body.iter_chunks(size)
            finally:
                body.close()

    def ensure_bucket(self) -> bool:
        """Create the bucket unless it exists (tests, and the CLI's setup command); True
        if this call created it."""
        with self._calling("check bucket"):
            try:
                self.client.head_bucket(Bucket=self.bucket)
                return False
            except ClientError as exc:
                if _error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                    raise
        region = self.client.meta.region_name
        options: dict[str, Any] = {}
        # AWS wants the region named for every region but its first one.
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        with self._calling("create bucket"):
            try:
                self.client.create_bucket(Bucket=self.bucket, **options)
            except ClientError as exc:
                # Another process made it between the check and the create.
                if _error_code(exc) != "BucketAlreadyOwnedByYou":
                    raise
                return False
        return True


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _describe(exc: Exception) -> str:
    # botocore's messages name the operation, the error code and the endpoint URL, never
    # the credentials; presigned URLs are not part of them.
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _checked_url(name: str, url: Any) -> str | None:
    if url is None or url == "":
        return None
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name}: {url!r} is not an http(s) address such as https://host")
    return str(url)


def s3_client(config: Mapping[str, Any]) -> Any:
    """A boto3 S3 client for the ``S3_*`` settings (no request is made here)."""
    # Imported here: boto3 costs a fifth of a second, and local storage never needs it.
    import boto3
    from botocore.config import Config

    settings = Config(
        signature_version="s3v4",
        # Path-style (endpoint/bucket/key) works with every S3-compatible server.
        s3={"addressing_style": "path"},
        connect_timeout=float(config.get("S3_CONNECT_TIMEOUT", 5.0)),
        read_timeout=float(config.get("S3_READ_TIMEOUT", 30.0)),
        retries={"max_attempts": 2},
    )
    # Keys left unset fall back to boto3's own chain (environment, instance role).
    return boto3.client(
        "s3",
        endpoint_url=_checked_url("S3_ENDPOINT_URL", config.get("S3_ENDPOINT_URL")),
        region_name=config.get("S3_REGION") or None,
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        config=settings,
    )


def storage_from_config(config: Mapping[str, Any], instance_path: str) -> Storage:
    """The backend ``MEDIA_STORAGE`` names, built from the app's settings."""
    backend = str(config.get("MEDIA_STORAGE") or "local").strip().lower()
    if backend == "local":
        root = config.get("MEDIA_ROOT") or os.path.join(instance_path, "media")
        return LocalStorage(Path(root))
    if backend == "s3":
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise ValueError("S3_BUCKET is not set: MEDIA_STORAGE='s3' needs a bucket name")
        public_url = _checked_url("S3_PUBLIC_URL", config.get("S3_PUBLIC_URL"))
        return S3Storage(str(bucket), s3_client(config), public_url)
    raise ValueError(
        f"MEDIA_STORAGE: unknown backend {config.get('MEDIA_STORAGE')!r}; use 'local' or 's3'"
    )
