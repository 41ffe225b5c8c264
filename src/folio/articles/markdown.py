"""Markdown to sanitised HTML.

markdown-it-py's ``js-default`` preset (CommonMark with raw HTML off, tables and
strikethrough on) renders; nh3 then sanitises, so even a renderer bug cannot let script,
event handlers or ``javascript:``/``data:`` links through. Code blocks are highlighted by
Pygments into CSS classes, never inline styles, so a strict CSP holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markupsafe import escape
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import format as pygments_format
from pygments import lex as pygments_lex
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from slugify import slugify

from folio.articles.markdown_limits import BudgetedRenderer, budgeted, install_limits, render_budget
from folio.media.variants import BODY_SIZES, Picture, key_of_url, picture_html

EXTERNAL_LINK_REL = "nofollow ugc noopener"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "picture", "pre", "s", "section", "source",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel", "class", "id", "aria-label"},
    # Ids come from the anchors and footnote plugins only: slugs and "fn1"-style names.
    "h2": {"id"},
    "h3": {"id"},
    "li": {"id", "class"},
    "sup": {"class"},
    "section": {"class"},
    "hr": {"class"},
    # srcset and sizes come only from Folio's own uploads (raw HTML is off): media.variants.
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes", "loading", "decoding"},
    "source": {"type", "srcset", "sizes"},
    "code": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "td": {"style"},
    "th": {"style"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Only the alignment markdown-it writes for table columns survives in style attributes.
ALLOWED_STYLE_PROPERTIES = {"text-align"}

_formatter = HtmlFormatter(nowrap=True, classprefix="hl-")


def _highlight(code: str, lang: str, _attrs: str) -> str:
    if not lang:
        return ""
    try:
        lexer = get_lexer_by_name(lang.split()[0], stripall=False)
    except ClassNotFound:
        return ""
    # Token by token, so a huge code block is cut off by the render budget too.
    highlighted = pygments_format(budgeted(pygments_lex(code, lexer)), _formatter)
    language = _escape_attr(lang)
    return f'<pre class="highlight"><code class="language-{language}">{highlighted}</code></pre>'


def _escape_attr(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum() or ch in "-_+.")


def _footnote_backlink(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    # The plugin's bare "↩︎" says nothing to a screen reader.
    ref = _escape_attr(renderer.rules["footnote_anchor_name"](tokens, idx, options, env))
    sub = tokens[idx].meta.get("subId", 0)
    suffix = f":{sub}" if sub > 0 else ""
    return (
        f' <a href="#fnref{ref}{suffix}" class="footnote-backref" '
        f'aria-label="Back to the text">↩︎</a>'
    )


def _heading_id(text: str) -> str:
    # Letters, digits and dashes only, so an id can never be anything but an anchor.
    return slugify(text, max_length=60, word_boundary=True) or "section"


def _is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme or parts.netloc)


def build_renderer(*, limits: bool = True) -> MarkdownIt:
    """Folio's Markdown parser; ``limits=False`` leaves out the cost bounds (tests compare)."""
    md = MarkdownIt(
        "js-default",
        {"highlight": _highlight, "linkify": False, "maxNesting": 20},
        renderer_cls=BudgetedRenderer if limits else RendererHTML,
    )

    def link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        href = token.attrGet("href") or ""
        if _is_external(str(href)):
            token.attrSet("rel", EXTERNAL_LINK_REL)
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("image", _image)
    # Anchored section headings (a table of contents links to them) and footnotes.
    anchors_plugin(md, min_level=2, max_level=3, slug_func=_heading_id)
    footnote_plugin(md)
    md.add_render_rule("footnote_anchor", _footnote_backlink)
    return install_limits(md) if limits else md


def _image(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
    """An uploaded image becomes a responsive ``<picture>``. A picture from another site
    becomes a link to it: the CSP loads images from Folio and its storage only, and
    readers' browsers should not call third parties behind their back."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    title = token.attrGet("title")
    key = key_of_url(src)
    uploaded = (env.get("pictures") or {}).get(key) if key else None
    if uploaded is not None:
        return picture_html(uploaded, alt, BODY_SIZES, title=str(title) if title else None)
    if _is_external(src):
        label = escape(alt or src)
        return (
            f'<a class="external-image" href="{escape(src)}" rel="{EXTERNAL_LINK_REL}">'
            f"Image: {label}</a>"
        )
    return str(renderer.image(tokens, idx, options, env))


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return build_renderer()


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
    )


def _budgeted_render(source: str, pictures: Mapping[str, Picture] | None = None) -> str:
    with render_budget():
        return _renderer().render(source, {"pictures": pictures or {}})


def render_markdown(source: str, pictures: Mapping[str, Picture] | None = None) -> str:
    """Render Markdown to HTML that is safe to insert into a page as it is.

    ``pictures``: Folio's uploads the body draws, by storage key; each becomes a
    responsive ``<picture>``.

    :raises folio.articles.markdown_limits.MarkdownTooComplex: (a ``ValidationFailed`` on
        ``body``) when the source would take longer than the render budget.
    """
    return sanitise_html(_budgeted_render(source, pictures))


_SECTION_HEADING = re.compile(r'<h([23]) id="([a-z0-9-]+)">(.*?)</h\1>', re.S)
TOC_MIN_HEADINGS = 3


def table_of_contents(body_html: str) -> list[tuple[int, str, str]]:
    """``(level, id, text)`` of a rendered article's sections, when it has enough of them
    to be worth a table of contents (otherwise none)."""
    found = [
        (int(level), anchor, html.unescape(nh3.clean(inner, tags=set())))
        for level, anchor, inner in _SECTION_HEADING.findall(body_html)
    ]
    return found if len(found) >= TOC_MIN_HEADINGS else []


def plain_text_excerpt(source: str, limit: int = 200) -> str:
    """A short plain-text summary of Markdown, for meta descriptions and feeds."""
    text = nh3.clean(_budgeted_render(source), tags=set())
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def highlight_css() -> str:
    return str(_formatter.get_style_defs(".highlight"))
