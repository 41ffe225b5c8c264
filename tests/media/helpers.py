"""What the media request tests share: accounts made outside any request, image files
(real ones from Pillow, hostile ones by hand), uploads through each face, and a look at
what the storage folder holds.

Every picture made here is new (random grain), unless a test reuses the bytes: the media
folder lives for the whole run, and an old copy of a file would hide whether this test
stored or removed it.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from folio.auth.tokens import issue_access_token
from folio.extensions import db
from tests.factories import UserFactory

HASH_IN_URL = re.compile(r"/media/(?:images|avatars)/([0-9a-f]{64})/")


@dataclass(frozen=True)
class Writer:
    id: int
    username: str
    email: str
    token: str
    # What Flask-Login keeps in the session cookie for this account.
    login_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_writer(app: Flask, username: str, **fields: Any) -> Writer:
    """An account, committed (a savepoint under the test's transaction)."""
    with app.app_context():
        user = UserFactory(username=username, **fields)
        writer = Writer(user.id, user.username, user.email, issue_access_token(user), user.get_id())
        db.session.commit()
    return writer


def sign_in(client: FlaskClient, writer: Writer) -> FlaskClient:
    """Signed in on the pages, as Flask-Login leaves the session (signing in itself is
    tested in tests/auth)."""
    with client.session_transaction() as session:
        session["_user_id"] = writer.login_id
        session["_fresh"] = True
    return client


# --- files ------------------------------------------------------------------------------


def photo(size: tuple[int, int] = (640, 480), fmt: str = "JPEG") -> bytes:
    """A new picture each call: coloured noise compresses (and hashes) like a photo."""
    noise = Image.effect_noise(size, 60)
    picture = Image.merge("RGB", (noise, noise.rotate(90, expand=False), noise.transpose(0)))
    out = io.BytesIO()
    picture.save(out, fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def animated_gif(frames: int, size: tuple[int, int] = (16, 16)) -> bytes:
    # Neighbouring frames differ, or the encoder would merge them into one.
    pictures = [Image.new("RGB", size, (255 * (i % 2), i % 256, 90)) for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:])
    return out.getvalue()


def png_bomb(side: int = 20_000) -> bytes:
    """A small PNG whose pixels fill ``side``×``side`` (1 bit each, all black): ~50 KB
    on disk, 400 megapixels decoded. Pillow will not write one; built chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte, then the packed bits
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --- uploading --------------------------------------------------------------------------


def multipart(fields: dict[str, Any]) -> dict[str, Any]:
    """A form with files, encoded in memory: the test client would spool a large one to a
    temporary file it never closes when the app refuses the body unread."""
    boundary, body = encode_multipart(
        {
            name: FileStorage(io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
            for name, value in fields.items()
        }
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def api_upload(
    client: FlaskClient,
    writer: Writer | None,
    data: bytes,
    name: str = "photo.jpg",
    path: str = "/api/v1/media",
    method: str = "POST",
) -> TestResponse:
    return client.open(
        path,
        method=method,
        headers=writer.headers if writer is not None else {},
        **multipart({"file": (data, name)}),
    )


def page_upload(
    client: FlaskClient, data: bytes, name: str = "photo.jpg", *, script: bool = False
) -> TestResponse:
    """My media's upload form as a browser sends it, or the editor's script (``script``),
    which asks for JSON."""
    return client.post(
        "/me/media",
        headers={"Accept": "application/json"} if script else {},
        **multipart({"file": (data, name)}),
    )


# --- the storage folder ---------------------------------------------------------------


def stored_files(root: str | Path) -> set[str]:
    """Every file under the media folder, as paths relative to it."""
    base = Path(root)
    return {str(path.relative_to(base)) for path in base.rglob("*") if path.is_file()}


def files_of(root: str | Path, url: str) -> set[str]:
    """The stored files of the image an URL names (its original and its sizes)."""
    match = HASH_IN_URL.search(url)
    assert match, f"not a media URL: {url}"
    return {path for path in stored_files(root) if f"/{match.group(1)}/" in f"/{path}"}
