"""Which of the formats Folio imports a file is, read into a :class:`SourceArchive`.

Decided by the content, never by the file's name: a zip holding Markdown files, JSON
whose ``db[0]`` has ``meta`` (Ghost), XML whose ``rss`` carries the ``wp:`` namespace
(WordPress). Anything else is refused, saying what Folio does import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from folio.i18n import N_
from folio.imports.ghost import looks_like_ghost, read_ghost
from folio.imports.items import ImportRefused, SourceArchive
from folio.imports.markdown_zip import markdown_names, read_markdown_zip
from folio.imports.safezip import SafeZip
from folio.imports.wordpress import parse_xml, read_wordpress, wp_namespace

NONE_OF_THE_FORMATS = N_(
    "This file is none of the formats Folio imports: a zip of Markdown files (Jekyll, "
    "Hugo or a Folio export), a Ghost JSON export, or a WordPress export (WXR)."
)
# What the refusal adds, each a whole message for the catalogs (the page translates it).
NO_MARKDOWN = N_(
    "This file is none of the formats Folio imports: a zip of Markdown files (Jekyll, "
    "Hugo or a Folio export), a Ghost JSON export, or a WordPress export (WXR). This zip "
    "holds no Markdown files."
)
NOT_WORDPRESS = N_(
    "This file is none of the formats Folio imports: a zip of Markdown files (Jekyll, "
    "Hugo or a Folio export), a Ghost JSON export, or a WordPress export (WXR). This XML "
    "is not a WordPress export."
)
UNREADABLE_JSON = N_(
    "This file is none of the formats Folio imports: a zip of Markdown files (Jekyll, "
    "Hugo or a Folio export), a Ghost JSON export, or a WordPress export (WXR). This JSON "
    "cannot be read."
)
NOT_GHOST = N_(
    "This file is none of the formats Folio imports: a zip of Markdown files (Jekyll, "
    "Hugo or a Folio export), a Ghost JSON export, or a WordPress export (WXR). This JSON "
    "is not a Ghost export."
)
FORMAT_NAMES = {
    "markdown": N_("Markdown zip"),
    "ghost": N_("Ghost export"),
    "wordpress": N_("WordPress"),
}


@dataclass(frozen=True)
class ZipLimits:
    max_total: int
    max_ratio: int


def read_source(data: bytes, limits: ZipLimits) -> SourceArchive:
    """:raises ImportRefused: not one of the formats, or refused as hostile."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        zipped = SafeZip.open(data, max_total=limits.max_total, max_ratio=limits.max_ratio)
        if not markdown_names(zipped.names):
            raise ImportRefused(NO_MARKDOWN)
        return read_markdown_zip(zipped)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return _read_json(data)
    if head.startswith(b"<"):
        root = parse_xml(data)
        namespace = wp_namespace(root)
        if namespace is None:
            raise ImportRefused(NOT_WORDPRESS)
        return read_wordpress(root, namespace)
    raise ImportRefused(NONE_OF_THE_FORMATS)


def _read_json(data: bytes) -> SourceArchive:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError):
        raise ImportRefused(UNREADABLE_JSON) from None
    if not looks_like_ghost(parsed):
        raise ImportRefused(NOT_GHOST)
    return read_ghost(parsed)
