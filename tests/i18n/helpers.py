"""Finding English left in a translated page.

A page is rendered twice from the same data, in English and in another language. Text
the reader sees in ``<main>`` (and the labels of its controls) that reads the same in
both and contains common English words was not translated. Test data avoids English
words (titles like "Zugspitze 2964"), so what the check finds is the interface's.
Subtrees whose ``lang`` differs from the page's (an article's own language) are content,
not interface, and are skipped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

ENGLISH_WORDS = frozenset(
    "the and your you to of is are no not this with for on by in be an or it yet new all "
    "will can has have was who what when from at as more there here than been only any "
    "their them they its these those how why which while about after before into".split()
)
_WORD = re.compile(r"[A-Za-z']+")
_LABEL_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
_SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea", "svg"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _MainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.in_main = 0
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.page_lang = found.get("lang") or ""
            return
        if tag == "main":
            self.in_main += 1
        lang = found.get("lang")
        skipped = tag in _SKIPPED_TAGS or (lang is not None and lang != self.page_lang)
        if self.in_main and not self._skipping() and not skipped:
            for name in _LABEL_ATTRIBUTES:
                if found.get(name):
                    self.texts.append(str(found[name]).strip())
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.texts.append(str(found["value"]).strip())
        if tag not in _VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main -= 1
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and self.in_main and not self._skipping():
            self.texts.append(text)


def main_texts(html: str) -> list[str]:
    """What a reader sees in ``<main>``: its text and its controls' labels."""
    parser = _MainText()
    parser.feed(html)
    return parser.texts


def reads_english(text: str) -> bool:
    return any(word.lower() in ENGLISH_WORDS for word in _WORD.findall(text))


def untranslated(english_html: str, translated_html: str) -> list[str]:
    """The English sentences the translated page still shows."""
    english = set(main_texts(english_html))
    return sorted(
        {text for text in main_texts(translated_html) if text in english and reads_english(text)}
    )
