"""Bounds on what rendering one Markdown body may cost.

markdown-it-py is pure Python and some inputs make it super-linear: a label scan starts
at every ``[`` and walks to the end of the paragraph, so a megabyte of ``[`` took
minutes and held a web worker until gunicorn killed it. Two layers keep a render cheap:

- the label scan is skipped when no ``]`` follows it (it could only fail), which makes
  runs of ``[``/``![`` linear without changing the output of any document;
- a budget of CPU time (and a longer one of wall time), checked before every parser
  rule, every highlighted token and every rendered token, refuses whatever is still too
  expensive with a validation error on ``body`` instead of holding the worker.
"""

from __future__ import annotations

import gc
import re
import time
import traceback
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, TypeVar

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkLabel, parseLinkTitle
from markdown_it.renderer import RendererHTML

from folio.core.errors import ValidationFailed
from folio.i18n import N_

# Ordinary articles render in milliseconds; the largest one allowed, a megabyte of prose,
# takes about 0.5 s of CPU on the 2-core CI machine (its guards included). The budget
# leaves that room and stays under the second a hostile body may cost
# (tests/test_content_limits.py), far below gunicorn's 30 s worker timeout. CPU time, so
# a busy machine does not refuse ordinary articles; the wall-time cap bounds how long a
# worker is held when the machine is very busy.
RENDER_BUDGET_SECONDS = 0.8
RENDER_WALL_SECONDS = 2.0
_CHECK_EVERY = 8
TOO_COMPLEX = N_(
    "is too complex to render; simplify its markup (very long runs of brackets or"
    " emphasis markers, very large tables) or split it into several articles"
)

T = TypeVar("T")


MAX_TABLE_COLUMNS = 256
TOO_WIDE_TEMPLATE = N_("has a table wider than %(count)d columns")
TOO_WIDE = TOO_WIDE_TEMPLATE % {"count": MAX_TABLE_COLUMNS}
_DELIMITER_ROW = re.compile(r"[\s|:-]+")


class MarkdownTooComplex(ValidationFailed):
    """The body would take longer than the budget to render."""

    def __init__(self, message: str = TOO_COMPLEX) -> None:
        super().__init__({"body": [message]})


@dataclass(slots=True)
class _Budget:
    cpu_deadline: float
    wall_deadline: float
    countdown: int = _CHECK_EVERY


_budget: ContextVar[_Budget | None] = ContextVar("folio_markdown_budget", default=None)


@contextmanager
def render_budget(
    seconds: float = RENDER_BUDGET_SECONDS, wall_seconds: float = RENDER_WALL_SECONDS
) -> Iterator[None]:
    """Within this block, a render past its budget raises :class:`MarkdownTooComplex`.

    ``seconds`` counts this thread's CPU time, so a busy machine does not refuse an
    ordinary article; ``wall_seconds`` caps how long the worker is held whatever the load.
    """
    outer = _budget.get()
    budget = _Budget(time.thread_time() + seconds, time.perf_counter() + wall_seconds)
    if outer is not None:
        budget.cpu_deadline = min(budget.cpu_deadline, outer.cpu_deadline)
        budget.wall_deadline = min(budget.wall_deadline, outer.wall_deadline)
    token = _budget.set(budget)
    # The cycle collector's pauses grow with the worker's whole heap, not with this
    # input: kept out of the render, they cannot spend its budget (and what the render
    # leaves in cycles is collected right after).
    collecting = outer is None and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        yield
    except MarkdownTooComplex as refused:
        # Free what the abandoned render built (its tokens, held by the finished frames
        # of the traceback) while the collector is still off: switched back on first, it
        # walked those objects, a third as long again as the render had taken.
        traceback.clear_frames(refused.__traceback__)
        raise
    finally:
        _budget.reset(token)
        if collecting:
            gc.enable()


def check_budget(*, now: bool = False) -> None:
    """Raise :class:`MarkdownTooComplex` once the current budget is spent.

    The clocks are read every few calls (a CPU-time read costs ~0.5 µs), or at once
    with ``now`` where one call may be long.
    """
    budget = _budget.get()
    if budget is None:
        return
    budget.countdown -= 1
    if budget.countdown > 0 and not now:
        return
    budget.countdown = _CHECK_EVERY
    if time.thread_time() > budget.cpu_deadline or time.perf_counter() > budget.wall_deadline:
        raise MarkdownTooComplex


def budgeted(items: Iterable[T]) -> Iterator[T]:
    """``items`` as they are, checking the budget along the way (Pygments' tokens)."""
    for item in items:
        check_budget()
        yield item


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(*args: Any) -> Any:
        check_budget()
        return fn(*args)

    return guarded


def _closing_brackets(state: Any) -> list[int]:
    # One list per distinct inline source in a render, kept in the render's env.
    cache: dict[str, list[int]] = state.env.setdefault("folio_closing_brackets", {})
    src = state.src
    found = cache.get(src)
    if found is None:
        found = cache[src] = [m.start() for m in re.finditer(r"\]", src)]
    return found


def _parse_link_label(state: Any, start: int, disableNested: bool = False) -> int:
    check_budget(now=True)
    # A label ends at a "]"; with none between start and posMax the full scan (one per
    # "[", each to the end of the paragraph) can only fail, so answer at once.
    closers: Sequence[int] = _closing_brackets(state)
    after = bisect_right(closers, start)
    if after == len(closers) or closers[after] >= state.posMax:
        return -1
    return int(parseLinkLabel(state, start, disableNested))


def _limit_table_width(table: Callable[..., bool]) -> Callable[..., bool]:
    # The table rule handles a whole table in one call, building every header cell at
    # once: a 250,000-column table took seconds before the budget could look.
    def limited(state: Any, start_line: int, end_line: int, silent: bool) -> bool:
        line = start_line + 1
        if line < end_line:
            text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
            if text.count("|") > MAX_TABLE_COLUMNS + 1 and _DELIMITER_ROW.fullmatch(text):
                raise MarkdownTooComplex(TOO_WIDE)
        return table(state, start_line, end_line, silent)

    return limited


class BudgetedRenderer(RendererHTML):
    """The HTML renderer, checking the budget before each token it renders.

    The checks sit in the two loops (markdown-it-py's own, unchanged otherwise) rather
    than in a wrapper around every render rule: the same checks, without a second call
    per token.
    """

    def render(self, tokens: Sequence[Any], options: Any, env: Any) -> str:
        out: list[str] = []
        rules = self.rules
        for i, token in enumerate(tokens):
            check_budget()
            if token.type == "inline":
                if token.children:
                    out.append(self.renderInline(token.children, options, env))
            elif token.type in rules:
                out.append(rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)

    def renderInline(self, tokens: Sequence[Any], options: Any, env: Any) -> str:
        out: list[str] = []
        rules = self.rules
        for i, token in enumerate(tokens):
            check_budget()
            if token.type in rules:
                out.append(rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)


def _first_of_each_chain(rules: Sequence[Any]) -> list[Any]:
    """The first enabled rule of the main chain and of each named one (``alt``): a block
    rule that ends at another block (a paragraph, a table's rows, a list item) tries
    that chain at every line of it."""
    enabled = [rule for rule in rules if rule.enabled]
    chains = {"", *(name for rule in enabled for name in rule.alt)}
    firsts = [next(r for r in enabled if not name or name in r.alt) for name in chains]
    return list({id(rule): rule for rule in firsts}.values())


def install_limits(md: MarkdownIt) -> MarkdownIt:
    """Bound ``md``'s cost: the label fast path and a budget check at every step of its
    tokenizers and before every token it renders.

    ``md`` must have been made with ``renderer_cls=BudgetedRenderer``.
    """
    md.helpers = SimpleNamespace(  # type: ignore[assignment]
        parseLinkLabel=_parse_link_label,
        parseLinkDestination=parseLinkDestination,
        parseLinkTitle=parseLinkTitle,
    )
    for rule in md.block.ruler.__rules__:
        if rule.name == "table":
            rule.fn = _limit_table_width(rule.fn)
    # The core rules run once per render: each is guarded. The block, inline and inline
    # post-processing rules are tried in order at every step of their tokenizer, and a
    # block that ends at another (a paragraph, a table's rows, a list item) tries one of
    # the named chains at every line: guarding the first enabled rule of each chain
    # checks every step. Guarding every rule (a dozen calls a step) had cost a third of
    # an ordinary render.
    for core_rule in md.core.ruler.__rules__:
        core_rule.fn = _guard(core_rule.fn)
    md.core.ruler.__cache__ = None
    rulers: tuple[Any, ...] = (md.block.ruler, md.inline.ruler, md.inline.ruler2)
    for ruler in rulers:
        for first in _first_of_each_chain(ruler.__rules__):
            first.fn = _guard(first.fn)
        ruler.__cache__ = None
    if not isinstance(md.renderer, BudgetedRenderer):
        raise TypeError("make the renderer with renderer_cls=BudgetedRenderer")
    return md
