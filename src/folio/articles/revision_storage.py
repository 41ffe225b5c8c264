"""How a revision's body is stored: compactly, since a long article is saved many times.

Every ``KEYFRAME_EVERY``-th revision (and the first) keeps the whole body, compressed;
the others keep a line edit script against the previous revision, compressed. Reading
one revision replays at most ``KEYFRAME_EVERY - 1`` scripts from its keyframe. A script
that would not be smaller than the whole body is stored as the whole body instead.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from folio.articles.revision_models import BodyFormat

KEYFRAME_EVERY = 20
_LEVEL = 9


def _pack(value: bytes) -> bytes:
    return zlib.compress(value, _LEVEL)


def line_script(old: str, new: str) -> list[Any]:
    """Steps that turn ``old`` into ``new``: an int n copies the next n lines of ``old``,
    -n skips n of them, a list of strings inserts those lines (ends of line kept)."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    steps: list[Any] = []
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            steps.append(i2 - i1)
            continue
        if i2 > i1:
            steps.append(-(i2 - i1))
        if j2 > j1:
            steps.append(after[j1:j2])
    return steps


def apply_script(old: str, steps: Sequence[Any]) -> str:
    before = old.splitlines(keepends=True)
    out: list[str] = []
    position = 0
    for step in steps:
        if isinstance(step, list):
            out.extend(step)
        elif step >= 0:
            out.extend(before[position : position + step])
            position += step
        else:
            position -= step
    return "".join(out)


def encode_body(body: str, previous: str | None, *, keyframe: bool) -> tuple[str, bytes]:
    """``(body_format, body_data)`` for a revision whose predecessor's body is ``previous``
    (None for the first revision)."""
    whole = _pack(body.encode("utf-8"))
    if keyframe or previous is None:
        return BodyFormat.FULL.value, whole
    script = json.dumps(line_script(previous, body), separators=(",", ":"), ensure_ascii=False)
    delta = _pack(script.encode("utf-8"))
    if len(delta) >= len(whole):
        return BodyFormat.FULL.value, whole
    return BodyFormat.DELTA.value, delta


def decode_chain(chain: Sequence[tuple[str, bytes]]) -> str:
    """The body of the last revision in ``chain``: a keyframe, then the scripts after it."""
    body = ""
    for body_format, data in chain:
        raw = zlib.decompress(data).decode("utf-8")
        body = raw if body_format == BodyFormat.FULL.value else apply_script(body, json.loads(raw))
    return body


def is_keyframe_number(number: int) -> bool:
    return (number - 1) % KEYFRAME_EVERY == 0
