"""Article cards, remembered as HTML by what they show.

A list page draws twenty cards, and drawing them was most of a page's cost even when the
public page cache missed (bench/README.md, issue 21). A card shows the same HTML for the
same article fields, author, language, time zone, relative date and page it links back
to, so each process remembers the cards it drew lately under exactly those values: an
edit, a new favorite count, another language or an hour passing makes a new key, and
nothing needs invalidating.

A signed-in reader's card differs in two things only: whether they favorited the article
(part of its key) and the CSRF token of their favorite button. The token is kept out of
the remembered card (a placeholder no article can contain, since no input may hold a NUL
character) and the reader's own put back when it is drawn; a card whose token cannot be
taken out is not remembered, so no reader is ever shown another's token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from flask import current_app
from flask.globals import _cv_request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from folio.i18n.current import reader_language
from folio.web import bp
from folio.web.filters import timeago

CARDS_MAX = 2000
_EXTENSION = "folio_cards"
# Where a signed-in reader's CSRF token stood in a remembered card.
_CSRF_SLOT = "\x00csrf\x00"


class CardMemo:
    """The last ``limit`` cards one process drew, least recently used out first."""

    def __init__(self, limit: int = CARDS_MAX) -> None:
        self.limit = limit
        self._cards: OrderedDict[tuple[Any, ...], Markup] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Markup | None:
        with self._lock:
            card = self._cards.get(key)
            if card is not None:
                self._cards.move_to_end(key)
            return card

    def keep(self, key: tuple[Any, ...], card: Markup) -> Markup:
        with self._lock:
            self._cards[key] = card
            while len(self._cards) > self.limit:
                self._cards.popitem(last=False)
        return card

    def __len__(self) -> int:
        return len(self._cards)


def card_memo() -> CardMemo:
    memo = current_app.extensions.get(_EXTENSION)
    if memo is None:
        memo = current_app.extensions[_EXTENSION] = CardMemo()
    return memo


def card_key(item: Any, signed_in: bool, here: str, *options: Any) -> tuple[Any, ...]:
    """Everything the card macro reads (for a signed-in reader, their flag too)."""
    article = item.article
    author = article.author
    cover = article.cover
    reader = reader_language()
    shown = article.published_at or article.updated_at
    context = _cv_request.get(None)
    return (
        context.request.script_root if context is not None else "",
        here,
        options,
        bool(item.favorited) if signed_in else None,
        reader.identifier if reader else None,
        reader.zone if reader else None,
        timeago(shown),
        article.id,
        article.slug,
        article.title,
        article.description,
        article.status,
        article.published_at,
        article.updated_at,
        article.word_count,
        article.favorites_count,
        tuple(article.tag_names),
        cover.original_key if cover is not None else None,
        author.username,
        author.name,
        author.avatar_key,
    )


def _signed_in(key: tuple[Any, ...]) -> bool:
    return key[3] is not None


def remembered_card(key: tuple[Any, ...]) -> Markup | None:
    card = card_memo().get(key)
    if card is None or not _signed_in(key):
        return card
    return Markup(card.replace(_CSRF_SLOT, generate_csrf()))  # noqa: S704


def keep_card(key: tuple[Any, ...], card: Markup) -> Markup:
    """Remember ``card`` (with the reader's token taken out) and draw it."""
    kept = card
    if _signed_in(key):
        token = generate_csrf()
        kept = Markup(card.replace(token, _CSRF_SLOT))  # noqa: S704
        if token in kept or _CSRF_SLOT not in kept:
            return card  # a card without its button, or an odd one: drawn, not kept
    card_memo().keep(key, kept)
    return card


bp.add_app_template_global(card_key, "card_key")
bp.add_app_template_global(remembered_card, "remembered_card")
bp.add_app_template_global(keep_card, "keep_card")
