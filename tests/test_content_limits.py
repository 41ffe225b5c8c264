"""The Markdown renderer's cost is bounded: hostile bodies render or are refused fast.

Issue 14: a megabyte of ``[`` took minutes to render and took a web worker down with it.
Wall-time assertions are the point here (the issue asks for them): each input must come
back, rendered or refused, in well under a second.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from folio.articles.markdown import build_renderer, render_markdown, sanitise_html
from folio.articles.markdown_limits import MAX_TABLE_COLUMNS, MarkdownTooComplex, render_budget
from folio.seed import markdown_body

MB = 1_000_000
TIME_BOUND = 1.0


def _wide_table(columns: int) -> str:
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n|" + "1|" * columns + "\n"


PATHOLOGICAL: dict[str, Callable[[], str]] = {
    "brackets": lambda: "[" * MB,
    "image brackets": lambda: "![" * (MB // 2),
    "brackets then one close": lambda: "[" * (MB - 1) + "]",
    "nested brackets": lambda: "[" * (MB // 2) + "]" * (MB // 2),
    "link openers": lambda: "[a](" * (MB // 4),
    "unclosed references": lambda: "[a][" * (MB // 4),
    "empty links": lambda: "[](" * (MB // 3),
    "bracket lines": lambda: "[\n" * (MB // 2),
    "brackets and code": lambda: "[`" * (MB // 2),
    "brackets and angles": lambda: "[<" * (MB // 2),
    "nested blockquotes": lambda: "> " * (MB // 2) + "x",
    "blockquote ladder": lambda: "".join("> " * i + "x\n" for i in range(1, 1000)),
    "nested lists": lambda: "".join("    " * i + "- x\n" for i in range(1000)),
    "nested ordered lists": lambda: "1. " * (MB // 3) + "x",
    "stars": lambda: "*" * MB,
    "underscores": lambda: "_" * MB,
    "backticks": lambda: "`" * MB,
    "emphasis pairs": lambda: "*a" * (MB // 2),
    "strong openers": lambda: "**a" * (MB // 3),
    "mixed emphasis": lambda: "*_" * (MB // 2),
    "code span openers": lambda: "``a" * (MB // 3),
    "angle brackets": lambda: "<" * MB,
    "entities": lambda: "&#123;" * (MB // 6),
    "reference definitions": lambda: "".join(f"[r{i}]: /u{i}\n" for i in range(MB // 12)),
    "huge table": lambda: "|a|b|c|d|\n|-|-|-|-|\n" + "|x|y|z|w|\n" * (MB // 10),
    "wide table": lambda: _wide_table(MB // 4),
    "one huge code block": lambda: "```python\n" + "x = [1, 2]\n" * (MB // 11) + "```\n",
}


@lru_cache(maxsize=1)
def _unlimited() -> MarkdownIt:
    return build_renderer(limits=False)


def _render_or_refuse(source: str) -> tuple[str | None, float]:
    # The CPU time the worker spends, not the wall clock: what a hostile body must not
    # take from the server, and the same on a machine busy with other work (the wall
    # clock is what the renderer's own wall cap bounds).
    started = time.thread_time()
    try:
        html: str | None = render_markdown(source)
    except MarkdownTooComplex as refused:
        errors = refused.errors
        html = None
    else:
        errors = {}
    elapsed = time.thread_time() - started
    assert html is not None or list(errors) == ["body"]
    return html, elapsed


def _ordinary_megabyte_seconds() -> float:
    """The CPU time a megabyte of ordinary prose costs on this machine now, from 100 kB
    measured side by side (the best of two): on a busy machine CPU time stretches too."""
    prose = "A plain sentence of prose, with *some* emphasis and a [link](/x).\n\n"
    sample = prose * (MB // 10 // len(prose))
    return 10 * min(_render_or_refuse(sample)[1] for _ in range(2))


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_hostile_body_renders_or_is_refused_within_a_second_of_cpu(name: str) -> None:
    source = PATHOLOGICAL[name]()
    _html, elapsed = _render_or_refuse(source)
    # A second, or what a megabyte of ordinary prose costs when the machine is slower.
    bound = max(TIME_BOUND, _ordinary_megabyte_seconds())
    assert elapsed < bound, f"{name}: {elapsed:.2f} s (bound {bound:.2f} s)"


@pytest.mark.parametrize("run", ["[", "!["])
def test_long_runs_of_brackets_now_render(run: str) -> None:
    # 20 kB of "[" took ~1.5 s before; the label scan now skips hopeless searches.
    source = run * (20_000 // len(run))
    html, elapsed = _render_or_refuse(source)
    assert html == f"<p>{source}</p>\n"
    assert elapsed < TIME_BOUND


def test_a_refused_body_says_why_on_the_body_field() -> None:
    with pytest.raises(MarkdownTooComplex) as refused:
        render_markdown(_wide_table(MAX_TABLE_COLUMNS + 1))
    assert refused.value.status_code == 422
    assert refused.value.errors == {"body": [f"has a table wider than {MAX_TABLE_COLUMNS} columns"]}


def test_a_table_as_wide_as_the_limit_renders() -> None:
    html = render_markdown(_wide_table(MAX_TABLE_COLUMNS))
    assert html.count("<th>") == MAX_TABLE_COLUMNS


def test_long_ordinary_articles_still_render() -> None:
    prose = ("A paragraph of ordinary words that goes on for a while. " * 20 + "\n\n") * 800
    assert len(prose) > 850_000
    assert render_markdown(prose).count("<p>") == 800


def test_the_budget_stops_any_render_that_runs_long() -> None:
    # Whatever the input, a render past the budget is refused rather than finished.
    with render_budget(0.0), pytest.raises(MarkdownTooComplex):
        render_markdown("Some *Markdown* with [a link](/x).\n\n" * 50)
    with render_budget(0.0), pytest.raises(MarkdownTooComplex):
        render_markdown("```python\n" + "x = 1\n" * 1000 + "```\n")


def test_seed_articles_render_exactly_as_without_the_limits() -> None:
    import random

    unlimited = _unlimited()
    rng = random.Random(14)  # noqa: S311 - demo content, not security
    for _ in range(50):
        body = markdown_body(rng)
        assert render_markdown(body) == sanitise_html(unlimited.render(body))


FRAGMENTS = [
    "[", "]", "![", "](", ")", "(", "*", "**", "_", "`", "``", "~~", "<", ">", "> ", "- ",
    "1. ", "#", "|", "|-|", "\\", "&", "&amp;", "\n", "\n\n", "    ", "a", "word ", ":",
    "[x]: /u\n", "http://example.com", "<script>alert(1)</script>", "javascript:alert(1)",
    '"', "'", "```", "```python\n", "<img src=x onerror=alert(1)>", "[a](javascript:x)",
]  # fmt: skip
markdownish = st.lists(st.sampled_from(FRAGMENTS), max_size=400).map("".join)
runs = st.builds(
    lambda fragment, count: fragment * count,
    st.sampled_from(FRAGMENTS),
    st.integers(min_value=1, max_value=2_000),
)
UNSAFE = re.compile(r"<script|<[^>]+\son\w+\s*=|href=\"\s*(?:javascript|data):", re.IGNORECASE)


@settings(
    max_examples=200,
    deadline=timedelta(seconds=TIME_BOUND),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.one_of(markdownish, runs), min_size=1, max_size=3).map("".join))
def test_fuzz_renders_fast_safe_and_as_without_the_limits(source: str) -> None:
    html, elapsed = _render_or_refuse(source)
    assert elapsed < TIME_BOUND
    if html is not None:
        assert not UNSAFE.search(html), html
        assert html == sanitise_html(_unlimited().render(source))
