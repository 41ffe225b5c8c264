"""Ghost's Lexical and Mobiledoc documents to HTML, for posts exported without ``html``.

Only the common nodes and cards are drawn (paragraphs, headings, lists, quotes, links,
text formats, images, code, markdown and HTML cards, dividers); any other becomes a
warning on the post, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from typing import Any

from markdown_it import MarkdownIt

from folio.imports.report import GHOST_CONTENT_LEFT_OUT

# Lexical text format bits.
_FORMATS = ((1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"))


class Rendered:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def unknown(self, what: str) -> str:
        message = GHOST_CONTENT_LEFT_OUT % {"what": what}
        if message not in self.warnings:
            self.warnings.append(message)
        return ""


def _markdown_card(text: str) -> str:
    return MarkdownIt("js-default").render(text)


def _image(src: object, alt: object = "", caption: object = "") -> str:
    if not isinstance(src, str) or not src:
        return ""
    image = f'<img src="{escape(src)}" alt="{escape(str(alt or ""))}">'
    if caption:
        return f"<figure>{image}<figcaption>{escape(str(caption))}</figcaption></figure>"
    return f"<p>{image}</p>"


def _code(code: object, language: object = "") -> str:
    lang = f' class="language-{escape(str(language))}"' if language else ""
    return f"<pre><code{lang}>{escape(str(code or ''))}</code></pre>"


def _card(name: str, payload: dict[str, Any], out: Rendered) -> str:
    cards: dict[str, Callable[[], str]] = {
        "image": lambda: _image(payload.get("src"), payload.get("alt"), payload.get("caption")),
        "markdown": lambda: _markdown_card(str(payload.get("markdown") or "")),
        "html": lambda: str(payload.get("html") or ""),
        "code": lambda: _code(payload.get("code"), payload.get("language")),
        "codeblock": lambda: _code(payload.get("code"), payload.get("language")),
        "hr": lambda: "<hr>",
        "horizontalrule": lambda: "<hr>",
    }
    draw = cards.get(name)
    return draw() if draw is not None else out.unknown(f"card {name!r}")


# --- Lexical -----------------------------------------------------------------------------


def _lexical_text(node: dict[str, Any]) -> str:
    text = escape(str(node.get("text") or ""))
    raw_format = node.get("format")
    fmt = raw_format if isinstance(raw_format, int) else 0
    for bit, tag in _FORMATS:
        if fmt & bit:
            text = f"<{tag}>{text}</{tag}>"
    return text


def _lexical_node(node: Any, out: Rendered) -> str:
    if not isinstance(node, dict):
        return ""
    kind = str(node.get("type") or "")
    inner = "".join(_lexical_node(child, out) for child in node.get("children") or [])
    if kind == "text" or kind == "extended-text":
        return _lexical_text(node)
    simple = {
        "root": inner,
        "paragraph": f"<p>{inner}</p>",
        "extended-heading": f"<{node.get('tag', 'h2')}>{inner}</{node.get('tag', 'h2')}>",
        "heading": f"<{node.get('tag', 'h2')}>{inner}</{node.get('tag', 'h2')}>",
        "quote": f"<blockquote>{inner}</blockquote>",
        "extended-quote": f"<blockquote>{inner}</blockquote>",
        "aside": f"<blockquote>{inner}</blockquote>",
        "listitem": f"<li>{inner}</li>",
        "list": f"<{'ol' if node.get('listType') == 'number' else 'ul'}>{inner}"
        f"</{'ol' if node.get('listType') == 'number' else 'ul'}>",
        "link": f'<a href="{escape(str(node.get("url") or ""))}">{inner}</a>',
        "linebreak": "<br>",
    }
    if kind in simple:
        return simple[kind]
    return _card(kind, node, out)


def lexical_to_html(document: str) -> tuple[str, list[str]]:
    """HTML for a Lexical document (a JSON string), and warnings for what was left out."""
    out = Rendered()
    try:
        data = json.loads(document)
    except ValueError:
        return "", ["Ghost content (lexical) is not valid JSON and was left out"]
    root = data.get("root") if isinstance(data, dict) else None
    return _lexical_node(root, out), out.warnings


# --- Mobiledoc ---------------------------------------------------------------------------


def _mobiledoc_markers(markers: Any, markups: list[Any], out: Rendered) -> str:
    html, open_tags = [], []
    for marker in markers if isinstance(markers, list) else []:
        if not isinstance(marker, list) or len(marker) < 4:
            continue
        kind, opens, closes, value = marker[:4]
        for index in opens or []:
            markup = markups[index] if isinstance(index, int) and index < len(markups) else ["span"]
            tag = str(markup[0])
            attributes = markup[1] if len(markup) > 1 else []
            if tag == "a" and "href" in attributes:
                href = attributes[attributes.index("href") + 1]
                html.append(f'<a href="{escape(str(href))}">')
            else:
                html.append(f"<{escape(tag)}>")
            open_tags.append(tag)
        html.append(escape(str(value)) if kind == 0 else out.unknown("atom"))
        for _ in range(closes if isinstance(closes, int) else 0):
            if open_tags:
                html.append(f"</{escape(open_tags.pop())}>")
    html.extend(f"</{escape(tag)}>" for tag in reversed(open_tags))
    return "".join(html)


def _mobiledoc_section(section: Any, doc: dict[str, Any], out: Rendered) -> str:
    if not isinstance(section, list) or not section:
        return ""
    markups = doc.get("markups") or []
    kind = section[0]
    if kind == 1 and len(section) >= 3:
        tag = str(section[1]).lower()
        tag = tag if tag in {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"} else "p"
        return f"<{tag}>{_mobiledoc_markers(section[2], markups, out)}</{tag}>"
    if kind == 3 and len(section) >= 3:
        tag = "ol" if str(section[1]).lower() == "ol" else "ul"
        items = "".join(f"<li>{_mobiledoc_markers(i, markups, out)}</li>" for i in section[2])
        return f"<{tag}>{items}</{tag}>"
    if kind == 2 and len(section) >= 2:
        return _image(section[1])
    if kind == 10 and len(section) >= 2:
        cards = doc.get("cards") or []
        index = section[1]
        if isinstance(index, int) and index < len(cards):
            name, payload = cards[index][0], cards[index][1] if len(cards[index]) > 1 else {}
            return _card(str(name), payload if isinstance(payload, dict) else {}, out)
    return out.unknown(f"section {kind!r}")


def mobiledoc_to_html(document: str) -> tuple[str, list[str]]:
    """HTML for a Mobiledoc document (a JSON string), and warnings for what was left out."""
    out = Rendered()
    try:
        data = json.loads(document)
    except ValueError:
        return "", ["Ghost content (mobiledoc) is not valid JSON and was left out"]
    if not isinstance(data, dict):
        return "", ["Ghost content (mobiledoc) is not a document and was left out"]
    sections = data.get("sections") or []
    return "".join(_mobiledoc_section(s, data, out) for s in sections), out.warnings
