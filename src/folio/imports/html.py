"""HTML from Ghost and WordPress to Markdown, with what could run removed first.

Folio sanitises every body again when it renders it (nh3 in articles.markdown); here
scripts and styles go with their content, and every attribute that is not a plain link
or image attribute (``onerror``, ``style``...) goes, before markdownify sees the HTML.
"""

from __future__ import annotations

import re
from html import unescape

import nh3
from markdownify import markdownify

_DROPPED_WITH_CONTENT = {"script", "style", "noscript", "template", "object", "embed"}
_TAGS = (nh3.ALLOWED_TAGS | {"figure", "figcaption"}) - _DROPPED_WITH_CONTENT
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "pre": {"class"},
}


def clean_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags=_DROPPED_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


def html_to_markdown(html: str) -> str:
    """Markdown for an HTML body, scripts and event handlers removed first."""
    if not html.strip():
        return ""
    markdown = markdownify(clean_html(html), heading_style="ATX", bullets="-")
    # markdownify leaves runs of blank lines where blocks were dropped.
    lines = [line.rstrip() for line in markdown.strip().splitlines()]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


def html_to_text(html: str) -> str:
    """Plain text for an HTML comment (Folio's comments are plain text)."""
    with_breaks = re.sub(r"(?i)<br\s*/?>|</p>", "\n", html)
    text = unescape(nh3.clean(with_breaks, tags=set(), clean_content_tags=_DROPPED_WITH_CONTENT))
    return "\n".join(line.strip() for line in text.strip().splitlines())
