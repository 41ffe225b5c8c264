"""Markdown rendering and sanitising, against a corpus of XSS payloads."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from folio.articles.markdown import render_markdown

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "<a href='x' onmouseover='alert(1)'>hover</a>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<input autofocus onfocus="alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
    "<<script>script>alert(1)<</script>/script>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    '```html" onmouseover="alert(1)\ncode\n```',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)">x</a>',
    '[x](https://example.com" onclick="alert(1))',
    "<style>body{background:red}</style>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]

FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "form", "input", "button", "style", "link", "meta",
    "base", "svg", "math", "details", "template", "noscript", "body",
}  # fmt: skip
SAFE_SCHEMES = ("http:", "https:", "mailto:")


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def dangers(html: str) -> list[str]:
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        if tag in FORBIDDEN_TAGS:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                problems.append(f"{tag}[{name}]")
            if name in ("href", "src", "action") and ":" in value.split("/")[0]:
                if not value.startswith(SAFE_SCHEMES):
                    problems.append(f"{tag}[{name}={value}]")
            if name == "style" and ("url(" in value or "expression" in value):
                problems.append(f"{tag}[style]")
    return problems


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_survives(payload: str) -> None:
    html = render_markdown(payload)
    assert dangers(html) == [], html


def test_the_checker_itself_catches_dangerous_html() -> None:
    assert dangers('<a href="javascript:alert(1)">x</a><img src=x onerror=y><script></script>')


def test_raw_html_is_shown_as_text() -> None:
    html = render_markdown("<b>bold?</b> <script>x</script>")
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "<b>" not in html


def test_markdown_features_render() -> None:
    html = render_markdown(
        "# Title\n\nSome *em* and **strong**, `code`, ~~gone~~.\n\n"
        "- one\n- two\n\n1. first\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    expected = [
        "<h1>Title</h1>", "<em>em</em>", "<strong>strong</strong>", "<code>code</code>",
        "<s>gone</s>", "<ul>", "<ol>", "<blockquote>", "<table>", "<td>2</td>",
    ]  # fmt: skip
    for fragment in expected:
        assert fragment in html, fragment


def test_code_blocks_are_highlighted_with_classes_not_inline_styles() -> None:
    html = render_markdown("```python\ndef greet(name):\n    return name\n```")
    assert '<pre class="highlight"><code class="language-python">' in html
    assert 'class="hl-k"' in html  # the "def" keyword
    assert "style=" not in html


def test_unknown_languages_still_render_as_escaped_code() -> None:
    html = render_markdown("```nosuchlang\n<b>x</b>\n```")
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_external_links_get_rel_and_internal_links_do_not() -> None:
    html = render_markdown("[out](https://example.com/page) and [in](/articles/x)")
    assert '<a href="https://example.com/page" rel="nofollow ugc noopener">out</a>' in html
    assert '<a href="/articles/x">in</a>' in html


def test_mailto_is_kept_and_a_picture_on_another_site_becomes_a_link_to_it() -> None:
    # Readers' browsers load pictures from Folio and its storage only (the CSP).
    html = render_markdown("[mail](mailto:a@example.com) ![alt](https://example.com/i.png)")
    assert 'href="mailto:a@example.com"' in html
    assert "<img" not in html
    assert 'href="https://example.com/i.png"' in html
    assert "Image: alt" in html
