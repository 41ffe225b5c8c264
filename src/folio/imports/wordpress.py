"""WordPress's WXR export (Tools → Export): RSS 2.0 with the ``wp:`` namespace.

Parsed only with defusedxml: a document that declares entities (a billion laughs) or
reaches for external ones is refused with a clear message. Posts and pages become
articles (``post_date_gmt``, ``post_modified_gmt``; ``publish`` is published, anything
else a draft), tags and categories become tags, approved comments come along, and the
featured image is the attachment ``_thumbnail_id`` names.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError  # noqa: S405 - types only

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from folio.imports.html import html_to_markdown, html_to_text
from folio.imports.items import (
    ImportRefused,
    SourceArchive,
    SourceArticle,
    SourceAuthor,
    SourceComment,
    as_text,
    parse_date,
)

WP_PREFIX = "{http://wordpress.org/export/"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
IMPORTED_TYPES = ("post", "page")
# WordPress's own leftovers: not articles anyone wrote.
SKIPPED_STATUSES = ("trash", "auto-draft", "inherit")


def parse_xml(data: bytes) -> Element:
    """:raises ImportRefused: entities, external references, or not well-formed XML."""
    try:
        return fromstring(data, forbid_dtd=False)
    except DefusedXmlException as refused:
        raise ImportRefused(
            "This XML file declares entities or external references, which Folio refuses "
            f"to expand ({type(refused).__name__}). Export it again from WordPress."
        ) from None
    except ParseError as error:
        raise ImportRefused(f"This XML file is not well-formed: {error}.") from None


def wp_namespace(root: Element) -> str | None:
    """The ``wp:`` namespace of a WXR document (1.0-1.2), or None when it is not one."""
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        return None
    for element in channel.iter():
        if element.tag.startswith(WP_PREFIX):
            return element.tag[1 : element.tag.index("}")]
    return None


class _Item:
    def __init__(self, element: Element, ns: str) -> None:
        self.element, self.ns = element, ns

    def wp(self, name: str) -> str:
        return as_text(self.element.findtext(f"{{{self.ns}}}{name}"))

    def text(self, tag: str) -> str:
        return as_text(self.element.findtext(tag))

    def meta(self) -> dict[str, str]:
        ns = f"{{{self.ns}}}"
        return {
            as_text(m.findtext(f"{ns}meta_key")): as_text(m.findtext(f"{ns}meta_value"))
            for m in self.element.findall(f"{ns}postmeta")
        }


def _legacy_paths(item: _Item, post_id: str) -> list[str]:
    paths = [f"/?p={post_id}"] if post_id.isdigit() else []
    link = urlsplit(item.text("link"))
    arguments = link.query
    if link.path and link.path != "/":
        paths.append(link.path)
    elif arguments.startswith(("page_id=", "p=")):
        paths.append(f"/?{arguments}")
    return paths


def autop(html: str) -> str:
    """Paragraphs for content saved without them: WordPress adds them on display
    (``wpautop``), so exports of the classic editor separate them by blank lines only."""
    if re.search(r"<p[\s>]", html, re.I):
        return html
    blocks = [block.strip() for block in re.split(r"\n\s*\n", html) if block.strip()]
    return "".join(f"<p>{block}</p>" for block in blocks)


def _article(item: _Item, thumbnails: dict[str, str]) -> SourceArticle:
    post_id = item.wp("post_id")
    tags = [
        as_text(c.text)
        for c in item.element.findall("category")
        if c.get("domain") in ("post_tag", "category") and as_text(c.text)
    ]
    status = item.wp("status")
    warnings = [] if status in ("publish", "draft") else [f"status {status!r}: imported as draft"]
    created = parse_date(item.wp("post_date_gmt"))
    return SourceArticle(
        key=post_id,
        title=unescape(item.text("title")),
        slug=item.wp("post_name"),
        body=html_to_markdown(autop(item.text(CONTENT))),
        description=html_to_markdown(
            as_text(item.element.findtext(f"{{{item.ns}excerpt/}}encoded"))
        ).strip(),
        tags=list(dict.fromkeys(tags)),
        published=status == "publish",
        created_at=created,
        published_at=created if status == "publish" else None,
        updated_at=parse_date(item.wp("post_modified_gmt")),
        author_key=item.text(DC_CREATOR) or None,
        cover=thumbnails.get(item.meta().get("_thumbnail_id", "")),
        legacy_paths=_legacy_paths(item, post_id),
        warnings=warnings,
    )


def _comments(item: _Item) -> list[SourceComment]:
    ns = f"{{{item.ns}}}"
    found = []
    for comment in item.element.findall(f"{ns}comment"):
        if as_text(comment.findtext(f"{ns}comment_approved")) != "1":
            continue
        found.append(
            SourceComment(
                key=as_text(comment.findtext(f"{ns}comment_id")),
                article_key=item.wp("post_id"),
                body=html_to_text(as_text(comment.findtext(f"{ns}comment_content"))),
                created_at=parse_date(comment.findtext(f"{ns}comment_date_gmt")),
                author_email=as_text(comment.findtext(f"{ns}comment_author_email")) or None,
                author_name=as_text(comment.findtext(f"{ns}comment_author")) or None,
            )
        )
    return found


def _authors(channel: Element, ns: str) -> dict[str, SourceAuthor]:
    authors = {}
    for element in channel.findall(f"{{{ns}}}author"):
        login = as_text(element.findtext(f"{{{ns}}}author_login"))
        authors[login] = SourceAuthor(
            key=login,
            email=as_text(element.findtext(f"{{{ns}}}author_email")) or None,
            username=login or None,
            name=as_text(element.findtext(f"{{{ns}}}author_display_name")) or None,
        )
    return authors


def read_wordpress(root: Element, ns: str) -> SourceArchive:
    channel: Any = root.find("channel")
    site = urlsplit(as_text(channel.findtext("link"))).netloc or "wordpress"
    archive = SourceArchive(format="wordpress", source=f"wordpress:{site}")
    archive.authors = _authors(channel, ns)
    items = [_Item(element, ns) for element in channel.findall("item")]
    thumbnails = {
        item.wp("post_id"): item.wp("attachment_url")
        for item in items
        if item.wp("post_type") == "attachment" and item.wp("attachment_url")
    }
    for item in items:
        if item.wp("post_type") not in IMPORTED_TYPES or not item.wp("post_id"):
            continue
        if item.wp("status") in SKIPPED_STATUSES:
            continue
        archive.articles.append(_article(item, thumbnails))
        archive.comments.extend(_comments(item))
    return archive
