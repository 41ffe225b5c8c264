"""Images on the production stack: uploads go to one S3 bucket (SeaweedFS), the Celery
worker makes their sizes there, and either instance serves any image by redirecting
browsers to the bucket. No instance keeps an image on its own disk."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import time
import urllib.request
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw

from folio.media.storage import S3Storage, storage_from_config
from tests.stack.conftest import PASSWORD, ROOT, Browser, Response, Stack, register

pytestmark = pytest.mark.stack

T = TypeVar("T")
# How long the worker may take to make an image's sizes, or remove its objects, on a
# slow machine (it takes well under a second here).
WORKER_DEADLINE = 60.0


# --- what the tests use ----------------------------------------------------------------------


@dataclass
class Writer:
    """An account signed in on a browser, with an API token that works on any instance."""

    browser: Browser
    token: str

    def api(
        self,
        base: str,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        file: tuple[str, bytes] | None = None,
    ) -> Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if file is None:
            body = json.dumps(payload) if payload is not None else None
            return self.browser.request(
                base, method, f"/api/v1{path}", json_body=body, headers=headers
            )
        data, content_type = multipart("file", *file)
        return self.browser.request(
            base,
            method,
            f"/api/v1{path}",
            body=data,
            headers={**headers, "Content-Type": content_type},
        )

    def upload(self, base: str, filename: str, data: bytes) -> Response:
        return self.api(base, "POST", "/media", file=(filename, data))


def writer(base: str) -> Writer:
    browser = Browser()
    name = register(browser, base)
    credentials = json.dumps({"email": f"{name}@example.com", "password": PASSWORD})
    tokens = browser.request(base, "POST", "/api/v1/auth/tokens", json_body=credentials)
    assert tokens.status == 201, tokens.text[:2000]
    return Writer(browser, json.loads(tokens.text)["access_token"])


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file, as a browser's form sends it."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return (
        head + data + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def photo(width: int = 1200, height: int = 800) -> bytes:
    """A JPEG no other test uploads: images are stored by their content's hash."""
    seed = uuid.uuid4().bytes
    image = Image.new("RGB", (width, height), tuple(seed[:3]))
    draw = ImageDraw.Draw(image)
    for i in range(0, 12, 3):
        x, y = seed[i] * width // 256, seed[i + 1] * height // 256
        draw.ellipse((x, y, x + width // 4, y + height // 4), fill=tuple(seed[i + 1 : i + 4]))
    out = BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def bucket(stack: Stack) -> S3Storage:
    """The bucket the instances use, seen from here (Folio's own S3 client)."""
    storage = storage_from_config(stack.s3, str(stack.logs))
    assert isinstance(storage, S3Storage)
    return storage


def objects(stack: Stack, prefix: str = "") -> set[str]:
    storage = bucket(stack)
    pages = storage.client.get_paginator("list_objects_v2").paginate(
        Bucket=storage.bucket, Prefix=prefix
    )
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET ``url`` as a browser following a redirect to the bucket would (no cookies,
    no credentials): status, Content-Type, bytes."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - our test server
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()


def poll(what: str, check: Callable[[], T | None], timeout: float = WORKER_DEADLINE) -> T:
    """``check()``'s first answer that is not None, asked until ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = check()
        if answer is not None:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


@contextmanager
def worker_paused(stack: Stack) -> Iterator[None]:
    """The Celery worker stopped (SIGSTOP): a worker that is behind, made certain."""
    group = stack.processes["worker"].pid
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


def on_disk(stack: Stack, content_hash: str) -> list[Path]:
    """Files or folders named after an image on the instances' disks: their media folders
    and the folder they run in."""
    found = []
    for folder in [*stack.disks.values(), ROOT]:
        for path in folder.rglob("*"):
            if ".git" not in path.parts and content_hash in str(path):
                found.append(path)
    return found


def csp(response: Response) -> dict[str, list[str]]:
    policy = response.header("Content-Security-Policy") or ""
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in directives}


# --- the proofs ------------------------------------------------------------------------------


def test_an_image_uploaded_on_a_is_served_from_the_bucket_through_b(stack: Stack) -> None:
    author = writer(stack.a)
    public_base = str(stack.s3["S3_PUBLIC_URL"])
    with worker_paused(stack):
        uploaded = author.upload(stack.a, "harbour.jpg", photo())
        assert uploaded.status == 201, uploaded.text[:2000]
        media = json.loads(uploaded.text)
        # The answer comes before the worker made the sizes.
        assert media["ready"] is False
        original = urlsplit(media["url"]).path
        content_hash = original.split("/")[3]
        variants = {v["width"]: v for v in media["variants"] if v["type"] == "image/webp"}
        assert sorted(variants) == [480, 960, 1200]
        small = urlsplit(variants[480]["url"]).path
        # Meanwhile B stands the original in for the size, and says not to keep that.
        waiting = author.browser.get(stack.b, small)
        assert waiting.status == 302
        assert waiting.header("Location") == original
        assert waiting.header("Cache-Control") == "no-cache"
        # The original is in the bucket already; B sends browsers there for good.
        first = author.browser.get(stack.b, original)
        assert first.status == 302
        assert first.header("Location") == f"{public_base}{original.removeprefix('/media')}"
        assert first.header("Cache-Control") == "public, max-age=31536000, immutable"
        status, content_type, data = fetch(first.header("Location") or "")
        assert (status, content_type) == (200, "image/jpeg")
        assert Image.open(BytesIO(data)).size == (1200, 800)

    def made() -> str | None:
        answer = author.browser.get(stack.b, small)
        assert answer.status == 302
        location = answer.header("Location") or ""
        if location == original:  # not yet: still the stand-in
            assert answer.header("Cache-Control") == "no-cache"
            return None
        return location

    location = poll("the worker's 480 px WebP", made)
    assert location == f"{public_base}{small.removeprefix('/media')}"
    status, content_type, data = fetch(location)
    assert (status, content_type) == (200, "image/webp")
    picture = Image.open(BytesIO(data))
    assert (picture.format, picture.size) == ("WEBP", (480, 320))
    assert json.loads(author.api(stack.b, "GET", f"/media/{media['id']}").text)["ready"] is True

    # Every file of the image is in the bucket, and none on an instance's disk.
    names = {"original.jpg"} | {
        urlsplit(v["url"]).path.rsplit("/", 1)[1] for v in media["variants"]
    }
    assert objects(stack, f"images/{content_hash}/") == {
        f"images/{content_hash}/{name}" for name in names
    }
    assert on_disk(stack, content_hash) == []

    # An article written on B with it as the cover shows it on A.
    created = author.api(
        stack.b,
        "POST",
        "/articles",
        {
            "title": f"Harbour {content_hash[:8]}",
            "description": "A picture",
            "body": "Boats.",
            "tags": [],
            "cover_image": media["url"],
            "publish": True,
        },
    )
    assert created.status == 201, created.text[:2000]
    page_path = f"/articles/{json.loads(created.text)['slug']}"
    reader = Browser()
    page = reader.get(stack.a, page_path)
    assert page.status == 200
    cover = re.search(r'<figure class="article-cover">(.*?)</figure>', page.text, re.S)
    assert cover, page.text[:3000]
    assert f'src="{original}"' in cover.group(1)
    assert f"{small} 480w" in cover.group(1)
    shown = reader.get(stack.a, original)
    assert shown.status == 302
    assert fetch(shown.header("Location") or "")[0] == 200

    # Deleting it on A (it is a cover: only when forced) empties the bucket of it.
    image_path = f"/media/{media['id']}"
    assert author.api(stack.a, "DELETE", image_path).status == 422
    assert author.api(stack.a, "DELETE", f"{image_path}?force=true").status == 204
    poll(
        "the worker removing the image's objects",
        lambda: True if not objects(stack, f"images/{content_hash}/") else None,
    )
    assert reader.get(stack.b, original).status == 404
    assert reader.get(stack.b, small).status == 404

    def without_cover() -> Response | None:
        again = reader.get(stack.a, page_path)
        return again if 'class="article-cover"' not in again.text else None

    # A may answer from its own copy of the page for PUBLIC_CACHE_LOCAL_SECONDS.
    assert poll("the article without its cover", without_cover, timeout=8).status == 200


def test_a_presigning_instance_sends_browsers_to_signed_addresses(stack: Stack) -> None:
    # An instance configured without S3_PUBLIC_URL (a private bucket).
    private = stack.start_instance("c", without=("FLASK_S3_PUBLIC_URL",))
    author = writer(stack.a)
    media = json.loads(author.upload(stack.a, "quay.jpg", photo()).text)
    poll(
        "the worker's sizes",
        lambda: (
            True
            if json.loads(author.api(stack.a, "GET", f"/media/{media['id']}").text)["ready"]
            else None
        ),
    )
    small = next(urlsplit(v["url"]).path for v in media["variants"] if v["width"] == 480)
    answer = Browser().get(private, small)
    assert answer.status == 302
    location = answer.header("Location") or ""
    endpoint = str(stack.s3["S3_ENDPOINT_URL"])
    assert location.startswith(f"{endpoint}/{stack.s3['S3_BUCKET']}{small.removeprefix('/media')}?")
    assert "X-Amz-Signature=" in location
    # A signed address expires: browsers may keep it for half its life, shared caches not.
    assert answer.header("Cache-Control") == "private, max-age=1800"
    status, content_type, data = fetch(location)
    assert (status, content_type) == (200, "image/webp")
    assert Image.open(BytesIO(data)).size == (480, 320)


def png_bomb(side: int = 20_000) -> bytes:
    """A valid 20,000×20,000 PNG (400 megapixels) of about 50 KB: one-bit rows of zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\0" * (1 + side // 8)  # the filter byte, then the row's bits
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def many_frames(count: int = 1000) -> bytes:
    """A GIF of ``count`` frames, each unlike the last (GIF writers merge equal frames)."""
    frames = [Image.new("P", (8, 8), i % 200) for i in range(count)]
    for i, frame in enumerate(frames):
        frame.putpixel((i % 8, (i // 8) % 8), 255)
    out = BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0)
    data = out.getvalue()
    assert Image.open(BytesIO(data)).n_frames == count
    return data


def test_hostile_files_are_refused_by_both_instances_and_the_worker_carries_on(
    stack: Stack,
) -> None:
    good = photo()
    hostile = {
        "notes.jpg": ("not an image", b"These are my notes, not a photo.\n" * 20),
        "cut.jpg": ("damaged or incomplete", good[: len(good) // 2]),
        "script.jpg": ("markup or script", good + b"<script>alert(document.cookie)</script>"),
        "empty.jpg": ("empty", b""),
        "bomb.png": ("20000×20000 pixels", png_bomb()),
        "flipbook.gif": ("too many frames", many_frames()),
    }
    author = writer(stack.a)
    before = objects(stack)
    for base in (stack.a, stack.b):
        for filename, (reason, data) in hostile.items():
            answer = author.upload(base, filename, data)
            assert 400 <= answer.status < 500, (filename, answer.status, answer.text[:500])
            (message,) = json.loads(answer.text)["errors"]["file"]
            assert reason in message, (filename, message)
    assert objects(stack) == before
    for name in ("a", "b", "worker"):
        assert stack.processes[name].poll() is None, stack.log(name)[-3000:]

    # The worker still makes the sizes of a good image.
    uploaded = author.upload(stack.b, "fine.jpg", good)
    assert uploaded.status == 201, uploaded.text[:2000]
    media = json.loads(uploaded.text)
    poll(
        "the worker's sizes after the hostile files",
        lambda: (
            True
            if json.loads(author.api(stack.a, "GET", f"/media/{media['id']}").text)["ready"]
            else None
        ),
    )
    content_hash = urlsplit(media["url"]).path.split("/")[3]
    assert len(objects(stack, f"images/{content_hash}/")) == 1 + len(media["variants"])


def test_pages_let_browsers_load_images_from_the_bucket_and_nowhere_else(stack: Stack) -> None:
    origin = str(stack.s3["S3_ENDPOINT_URL"])
    for base in (stack.a, stack.b):
        policy = csp(Browser().get(base, "/"))
        assert "img-src" in policy, policy
        images = policy["img-src"]
        assert origin in images
        assert not {"https:", "http:", "*"} & set(images)
        assert "https:" not in policy.get("default-src", [])
