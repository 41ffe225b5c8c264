"""Reading time: the words an article's Markdown holds and the minutes they take.

The editor's script counts the same way (``\\S+`` matches, 230 words a minute, at least
one minute), so the figure under the editor is the one readers see on the card.
"""

from __future__ import annotations

import re

WORDS_PER_MINUTE = 230
_WORD = re.compile(r"\S+")


def count_words(markdown_body: str) -> int:
    """Runs of non-space characters in the Markdown source (markup included: cheap,
    predictable, and the same rule the editor applies as the writer types)."""
    return sum(1 for _ in _WORD.finditer(markdown_body or ""))


def reading_minutes(words: int) -> int:
    """Whole minutes to read ``words`` words, rounded to the nearest, never less than one.

    Halves round up, as the editor's ``Math.round`` does (Python's ``round`` would give
    2 for 575 words where the editor says 3).
    """
    return max(1, (2 * words + WORDS_PER_MINUTE) // (2 * WORDS_PER_MINUTE))
