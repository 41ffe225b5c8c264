"""Entity tags of /api/v1: versioned for resources that have a version (articles)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from flask import request
from flask_smorest.exceptions import NotModified

from folio.core.errors import DomainError

_VERSION_TAG = re.compile(r'^(?:W/)?"v(\d+)-[0-9a-f]+"$')


def versioned_etag(representation: Any, extra: Any = None) -> str:
    """A strong tag of this exact representation (and ``extra``, e.g. its ``Link``
    header), naming the stored version when the representation has one.

    The version part serves ``If-Match``: a tag stays good for an edit until the article
    itself changes, even when its favorite count or the viewer's flags moved since.
    """
    data = json.dumps([representation, extra], sort_keys=True, default=str)
    return _named(representation, hashlib.sha256(data.encode()).digest())


def body_etag(representation: Any, body: bytes, headers: Iterable[tuple[str, str]] = ()) -> str:
    """:func:`versioned_etag` of a response already encoded: a digest of its ``body``
    (the bytes sent, so no second encoding of ``representation``) and of ``headers``
    (e.g. its ``Link``), naming the version ``representation`` has, if any."""
    digest = hashlib.sha256(body)
    for name, value in headers:
        # NUL cannot occur in a header: the parts cannot run into each other.
        digest.update(f"\0{name}\0{value}".encode())
    return _named(representation, digest.digest())


def _named(representation: Any, digest: bytes) -> str:
    version = representation.get("version") if isinstance(representation, dict) else None
    if isinstance(version, int) and not isinstance(version, bool):
        return f'"v{version}-{digest.hex()[:16]}"'
    return f'"{digest.hex()[:16]}"'


def check_if_match(version: int) -> None:
    """Refuse a change made from a stale copy: 412 unless ``If-Match`` (when sent) names
    the current version (or is ``*``)."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    candidates = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in candidates:
        return
    for tag in candidates:
        match = _VERSION_TAG.match(tag)
        if match and int(match.group(1)) == version:
            return
    raise PreconditionFailed({"if_match": ["does not match the current version; fetch it again"]})


class PreconditionFailed(DomainError):
    status_code = 412


class NotModifiedWithTag(NotModified):
    """304, carrying the tag the answer would have had (a 304 repeats its ETag)."""

    def __init__(self, etag: str) -> None:
        super().__init__()
        self.etag = etag
