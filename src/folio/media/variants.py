"""Which files an image has, where they live, and how a page asks for them.

Pure functions on an image's shape, shared by the rules (planning variants, rendering
Markdown) and the faces (``srcset`` on covers and avatars). The sizes planned here are
the ones ``processing.make_variants`` writes; a page may name a variant before a task
has stored it, and the serving route answers with the original until it exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from markupsafe import escape

from folio.media.models import EXTENSIONS

MEDIA_PREFIX = "/media/"
FORMATS_BY_EXTENSION = {ext: fmt for fmt, ext in EXTENSIONS.items()}
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
KEY_PATTERN = re.compile(
    r"(?P<folder>images|avatars)/(?P<hash>[0-9a-f]{64})/"
    r"(?P<name>(?:original|[0-9]{1,5})\.(?P<ext>jpg|png|webp|gif))"
)
# How wide an article's column and a card's picture are drawn (folio.css).
BODY_SIZES = "(min-width: 760px) 680px, 100vw"
CARD_SIZES = "(min-width: 760px) 200px, 100vw"
HERO_SIZES = "(min-width: 1000px) 960px, 100vw"


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    width: int
    height: int
    format: str


def planned_variants(fmt: str, width: int, height: int, widths: Sequence[int]) -> list[Variant]:
    """The variants ``make_variants`` makes of an original of this shape."""
    formats = ["webp"] if fmt == "webp" else ["webp", fmt]
    planned = []
    for w in sorted(set(widths)):
        if 0 < w < width:
            h = max(1, round(height * w / width))
            planned += [Variant(f"{w}.{EXTENSIONS[f]}", w, h, f) for f in formats]
    if fmt != "webp":
        planned.append(Variant(f"{width}.webp", width, height, "webp"))
    return planned


def parse_key(key: str) -> re.Match[str] | None:
    return KEY_PATTERN.fullmatch(key)


def key_of_url(url: str) -> str | None:
    """The storage key an image URL in a body or a form names, if it is one of Folio's
    (``/media/images/<hash>/original.jpg``, relative or absolute on any host)."""
    path = urlsplit(url.strip()).path
    if not path.startswith(MEDIA_PREFIX):
        return None
    key = path[len(MEDIA_PREFIX) :]
    return key if parse_key(key) else None


_KEYS_IN_TEXT = re.compile(MEDIA_PREFIX + KEY_PATTERN.pattern)


def keys_in_text(text: str) -> set[str]:
    """Storage keys of Folio media URLs anywhere in a text: a scan, not a Markdown parse
    (the render that follows is the one parse a body gets)."""
    return {match.group(0)[len(MEDIA_PREFIX) :] for match in _KEYS_IN_TEXT.finditer(text)}


def media_path(key: str) -> str:
    return MEDIA_PREFIX + key


@dataclass(frozen=True, slots=True)
class Picture:
    """An image as a page draws it: the original, its size, and a ``srcset`` per type."""

    src: str
    width: int
    height: int
    format: str
    # (MIME type, srcset) from the preferred type to the fallback in the original's.
    sources: tuple[tuple[str, str], ...]

    @property
    def fallback_srcset(self) -> str:
        return self.sources[-1][1] if self.sources else ""


def picture(key: str, width: int, height: int, variants: Iterable[Mapping[str, Any]]) -> Picture:
    """How to draw the image stored under ``key`` with these variants (``Media.variants``:
    ``{"name", "width", "height"}`` each)."""
    match = parse_key(key)
    if match is None:
        raise ValueError(f"not a media key: {key!r}")
    fmt = FORMATS_BY_EXTENSION[match["ext"]]
    base = f"{MEDIA_PREFIX}{match['folder']}/{match['hash']}/"
    by_format: dict[str, list[str]] = {}
    for variant in variants:
        name = str(variant["name"])
        variant_format = FORMATS_BY_EXTENSION[name.rsplit(".", 1)[-1]]
        by_format.setdefault(variant_format, []).append(f"{base}{name} {variant['width']}w")
    by_format.setdefault(fmt, []).append(f"{base}{match['name']} {width}w")
    order = ["webp"] + ([fmt] if fmt != "webp" else [])
    sources = tuple((MIME_TYPES[f], ", ".join(by_format[f])) for f in order if f in by_format)
    return Picture(media_path(key), width, height, fmt, sources)


def avatar_path(key: str, pixels: int, widths: Sequence[int]) -> str:
    """The smallest avatar variant at least ``pixels`` wide (the original past them)."""
    match = parse_key(key)
    if match is None:
        raise ValueError(f"not a media key: {key!r}")
    for width in sorted(widths):
        if width >= pixels:
            return f"{MEDIA_PREFIX}{match['folder']}/{match['hash']}/{width}.webp"
    return media_path(key)


def picture_html(
    image: Picture, alt: str, sizes: str, *, lazy: bool = True, title: str | None = None
) -> str:
    """A ``<picture>`` with a WebP ``srcset`` and one in the original's type, its size set
    (no layout shift), and ``loading="lazy"`` for images below the fold."""
    sources = "".join(
        f'<source type="{mime}" srcset="{escape(srcset)}" sizes="{escape(sizes)}">'
        for mime, srcset in image.sources[:-1]
    )
    extra = f' title="{escape(title)}"' if title else ""
    loading = ' loading="lazy"' if lazy else ""
    return (
        f"<picture>{sources}"
        f'<img src="{escape(image.src)}" srcset="{escape(image.fallback_srcset)}" '
        f'sizes="{escape(sizes)}" width="{image.width}" height="{image.height}" '
        f'alt="{escape(alt)}"{extra}{loading} decoding="async"></picture>'
    )
