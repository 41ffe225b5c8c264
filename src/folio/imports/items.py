"""The common shape every source format is read into, before anything is written.

A reader (``markdown_zip``, ``ghost``, ``wordpress``) turns a file into a
:class:`SourceArchive`: articles with Markdown bodies, their comments and authors, and a
way to fetch the files the archive itself carries. The rules and the runner never look
at the source format again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from folio.core.errors import ValidationFailed


class ImportRefused(ValidationFailed):
    """The whole file is refused (not one of the formats, hostile, unreadable)."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]}, message)


@dataclass
class SourceAuthor:
    key: str
    email: str | None = None
    username: str | None = None
    name: str | None = None


@dataclass
class SourceComment:
    key: str
    article_key: str
    body: str
    created_at: datetime | None = None
    author_email: str | None = None
    author_name: str | None = None
    author_username: str | None = None


@dataclass
class SourceArticle:
    key: str
    title: str
    slug: str
    body: str  # Markdown
    description: str = ""
    tags: list[str] = field(default_factory=list)
    published: bool = False
    created_at: datetime | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author_key: str | None = None
    # An image reference as the source wrote it (a path inside the archive or a URL).
    cover: str | None = None
    # Where a relative image path in the body starts from, inside the archive.
    base_path: str = ""
    # Paths the article answered on its old site (``/2019/05/title/``, ``/?p=12``).
    legacy_paths: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Why this item cannot be imported at all (unreadable front matter...).
    error: str | None = None


@dataclass
class SourceArchive:
    format: str  # "markdown", "ghost" or "wordpress"
    # Where source keys are unique ("ghost", "wordpress:example.com", "markdown"...).
    source: str
    articles: list[SourceArticle] = field(default_factory=list)
    comments: list[SourceComment] = field(default_factory=list)
    authors: dict[str, SourceAuthor] = field(default_factory=dict)
    # Reads a file the archive carries (a zip's entry) by its path; None if absent.
    read_file: Callable[[str], bytes | None] = field(default=lambda _path: None)
    warnings: list[str] = field(default_factory=list)


# --- dates ---------------------------------------------------------------------------------

_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime from what front matter, JSON or XML give; None if none.

    Times without an offset are UTC (WordPress's ``*_gmt`` fields, Jekyll's defaults).
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip() and not value.startswith("0000"):
        moment_or_none = _parse_text(value.strip())
        if moment_or_none is None:
            return None
        moment = moment_or_none
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parse_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in _FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 - UTC when no offset
        except ValueError:
            continue
    return None


# --- image references in Markdown ------------------------------------------------------------

IMAGE_IN_MARKDOWN = re.compile(r"(!\[[^\]\n]*\]\(\s*<?)([^)\s>]+)(>?(?:\s+\"[^\"\n]*\")?\s*\))")


def image_references(body: str) -> list[str]:
    """The image addresses a Markdown body draws, in order, each once."""
    seen: dict[str, None] = {}
    for match in IMAGE_IN_MARKDOWN.finditer(body):
        seen.setdefault(match.group(2), None)
    return list(seen)


def replace_images(body: str, replacements: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        new = replacements.get(match.group(2))
        return match.group(0) if new is None else match.group(1) + new + match.group(3)

    return IMAGE_IN_MARKDOWN.sub(swap, body)


def as_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None else str(value)


def as_list(value: object) -> list[str]:
    """Tags as front matter writes them: a list, or one comma-separated string."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [as_text(part) for part in value if as_text(part)]
    return []


def archive_paths(base: str, reference: str) -> list[str]:
    """Where an image reference may be inside an archive: beside the Markdown file that
    names it, from the archive's root, or in Hugo's ``static/``; never outside it."""
    import posixpath

    reference = reference.split("#", 1)[0].split("?", 1)[0]
    if not reference or "://" in reference or reference.startswith(("data:", "//")):
        return []
    rooted = reference.lstrip("/")
    candidates = [rooted, f"static/{rooted}"]
    if not reference.startswith("/"):
        candidates.insert(0, posixpath.normpath(posixpath.join(base, reference)))
    return [c for c in dict.fromkeys(candidates) if not c.startswith("..") and c != "."]
