"""Comparing two revisions: a line diff, word by word inside the lines that changed.

The HTML marks every change three ways, so it reads without colour and aloud: ``<ins>``
and ``<del>`` (underlined, struck through), a ``+`` or ``−`` sign before the line, and
visually hidden words ("added", "removed") for screen readers. Everything is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from flask_babel import gettext, ngettext
from markupsafe import Markup, escape

EQUAL, ADDED, REMOVED, SKIPPED = "equal", "added", "removed", "skipped"
CONTEXT_LINES = 2
# Words, runs of spaces and single punctuation marks: joined back they give the line.
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
_WORDS = re.compile(r"\w+(?:['’-]\w+)*")


@dataclass(frozen=True)
class Segment:
    op: str  # equal, added or removed
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff. ``changed``: the line was edited (only some words are marked);
    ``skipped``: how many unchanged lines a ``skipped`` line stands for."""

    op: str
    segments: tuple[Segment, ...]
    changed: bool = False
    skipped: int = 0

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    lines: tuple[DiffLine, ...]

    @property
    def changed(self) -> bool:
        return any(line.op in (ADDED, REMOVED) for line in self.lines)


@dataclass(frozen=True)
class TextVersion:
    """What a diff compares: the fields of one revision."""

    title: str
    description: str
    tags: Sequence[str]
    body: str


@dataclass(frozen=True)
class RevisionDiff:
    fields: tuple[FieldDiff, ...]
    words_added: int
    words_removed: int

    @property
    def changed(self) -> bool:
        return any(field.changed for field in self.fields)


# --- computing ----------------------------------------------------------------------------


def _tokens(line: str) -> list[str]:
    return _TOKENS.findall(line)


def _word_pair(old: str, new: str) -> tuple[DiffLine, DiffLine]:
    """An edited line as its old and new versions, the words that changed marked."""
    before, after = _tokens(old), _tokens(new)
    old_segments: list[Segment] = []
    new_segments: list[Segment] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            old_segments.append(Segment(EQUAL, "".join(before[i1:i2])))
            new_segments.append(Segment(EQUAL, "".join(after[j1:j2])))
            continue
        if i2 > i1:
            old_segments.append(Segment(REMOVED, "".join(before[i1:i2])))
        if j2 > j1:
            new_segments.append(Segment(ADDED, "".join(after[j1:j2])))
    return (
        DiffLine(REMOVED, tuple(old_segments), changed=True),
        DiffLine(ADDED, tuple(new_segments), changed=True),
    )


def _whole(op: str, lines: Sequence[str]) -> Iterator[DiffLine]:
    for line in lines:
        yield DiffLine(op, (Segment(op, line),))


def _unchanged(lines: Sequence[str], *, first: bool, last: bool) -> Iterator[DiffLine]:
    """Unchanged lines around a change; long runs folded into one "skipped" line."""
    head = 0 if first else CONTEXT_LINES
    tail = 0 if last else CONTEXT_LINES
    if len(lines) <= head + tail + 1:
        yield from _whole(EQUAL, lines)
        return
    yield from _whole(EQUAL, lines[:head])
    folded = len(lines) - head - tail
    yield DiffLine(SKIPPED, (), skipped=folded)
    yield from _whole(EQUAL, lines[len(lines) - tail :])


def diff_text(old: str, new: str) -> tuple[DiffLine, ...]:
    """Line diff of two texts, word-level inside the lines that were edited."""
    before, after = old.splitlines(), new.splitlines()
    opcodes = SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    lines: list[DiffLine] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            first, last = index == 0, index == len(opcodes) - 1
            lines.extend(_unchanged(before[i1:i2], first=first, last=last))
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            lines.extend(_word_pair(before[i1 + offset], after[j1 + offset]))
        lines.extend(_whole(REMOVED, before[i1 + paired : i2]))
        lines.extend(_whole(ADDED, after[j1 + paired : j2]))
    return tuple(lines)


def word_changes(old: str, new: str) -> tuple[int, int]:
    """Words added and removed from ``old`` to ``new`` (the history list's summary)."""
    added = removed = 0
    for line in diff_text(old, new):
        for segment in line.segments:
            count = len(_WORDS.findall(segment.text))
            if segment.op == ADDED:
                added += count
            elif segment.op == REMOVED:
                removed += count
    return added, removed


def compare(old: TextVersion, new: TextVersion) -> RevisionDiff:
    """Every field of two revisions compared, from ``old`` to ``new``."""
    fields = (
        FieldDiff("title", "Title", diff_text(old.title, new.title)),
        FieldDiff("description", "Description", diff_text(old.description, new.description)),
        FieldDiff("tags", "Tags", diff_text("\n".join(old.tags), "\n".join(new.tags))),
        FieldDiff("body", "Body", diff_text(old.body, new.body)),
    )
    added, removed = word_changes(old.body, new.body)
    return RevisionDiff(fields, added, removed)


# --- showing ------------------------------------------------------------------------------

_SIGNS = {EQUAL: " ", ADDED: "+", REMOVED: "−"}


def _spoken_line(op: str) -> str:
    return gettext("added line:") if op == ADDED else gettext("removed line:")


def _spoken_edit(op: str) -> str:
    return (
        gettext("new version of the line:") if op == ADDED else gettext("old version of the line:")
    )


_WRAPS = {
    ADDED: Markup("<ins>{spoken}{text}</ins>"),
    REMOVED: Markup("<del>{spoken}{text}</del>"),
}


def _hidden(text: str) -> Markup:
    return Markup('<span class="visually-hidden">{}</span>').format(text)


def _marked(op: str, text: str) -> Markup:
    spoken = _hidden((gettext("added:") if op == ADDED else gettext("removed:")) + " ")
    return _WRAPS[op].format(spoken=spoken, text=text)


def _line_html(line: DiffLine) -> Markup:
    if line.op == SKIPPED:
        unchanged = ngettext("%(num)d unchanged line", "%(num)d unchanged lines", line.skipped)
        return Markup(
            '<div class="diff-line diff-line--skipped"><span class="diff-sign" aria-hidden="true">'
            '⋯</span><span class="diff-text">{}</span></div>'
        ).format(unchanged)
    if line.op == EQUAL:
        text = escape(line.text)
    elif line.changed:
        parts = [
            escape(segment.text) if segment.op == EQUAL else _marked(segment.op, segment.text)
            for segment in line.segments
        ]
        text = _hidden(_spoken_edit(line.op) + " ") + Markup("").join(parts)
    else:
        text = _WRAPS[line.op].format(spoken=_hidden(_spoken_line(line.op) + " "), text=line.text)
    modifier = f"diff-line--{line.op}" + (" diff-line--edited" if line.changed else "")
    return Markup(
        '<div class="diff-line {}"><span class="diff-sign" aria-hidden="true">{}</span>'
        '<span class="diff-text">{}</span></div>'
    ).format(modifier, _SIGNS[line.op], text)


def field_html(diff: FieldDiff) -> Markup:
    """A field's diff as HTML lines; nothing needs escaping afterwards."""
    return Markup("\n").join(_line_html(line) for line in diff.lines)


# --- for the API --------------------------------------------------------------------------


def diff_json(diff: RevisionDiff) -> dict[str, Any]:
    return {
        "words_added": diff.words_added,
        "words_removed": diff.words_removed,
        "fields": [
            {
                "name": field.name,
                "changed": field.changed,
                "lines": [
                    {
                        "op": line.op,
                        "edited": line.changed,
                        "skipped": line.skipped,
                        "segments": [{"op": s.op, "text": s.text} for s in line.segments],
                    }
                    for line in field.lines
                ],
            }
            for field in diff.fields
        ],
    }
