"""The stylesheet stays whole: a block left open (a merge, a stray edit) would swallow
every rule after it into a media query, and desktop pages would lose their styles."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "src" / "folio" / "static" / "css" / "folio.css"


def test_every_block_of_the_stylesheet_is_closed() -> None:
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"folio.css line {number} closes a block never opened"
    assert depth == 0, "folio.css leaves a block open"


def test_each_top_level_rule_starts_outside_any_block() -> None:
    depth = 0
    for number, line in enumerate(CSS.read_text(encoding="utf-8").splitlines(), 1):
        starts_rule = bool(re.match(r"[.#a-z@:\[*]", line)) and line.rstrip().endswith(("{", ","))
        assert not (starts_rule and depth), f"folio.css line {number} is inside a block: {line}"
        depth += line.count("{") - line.count("}")
