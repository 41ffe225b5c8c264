"""The reader's language: which locale a request is answered in, dates in it, the switcher.

English, German and Spanish. A request's locale is the signed-in user's setting, else
the footer switcher's cookie, else ``Accept-Language``, else the site's default
(``BABEL_DEFAULT_LOCALE``). Anything unknown or malformed falls through quietly.
The APIs' error messages stay English (clients match on them and their codes); pages
translate them when they show them (``N_`` marks them for the catalog).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

# The interface languages, each named in itself (how a reader looks for their own).
LOCALES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español"}
DEFAULT_LOCALE = "en"
LOCALE_COOKIE = "folio_locale"
# An Accept-Language header longer than this is cut before it is parsed.
_HEADER_MAX = 512


# A BCP 47 language tag as articles declare theirs: a language, then optional script,
# region or variant subtags ("de", "pt-BR", "zh-Hant", "sr-Latn-RS").
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}$")
LANGUAGE_TAG_MAX = 35


def language_tag(value: str | None) -> str | None:
    """``value`` as a tidy BCP 47 tag ("pt_br" gives "pt-BR"), or None when it is none."""
    if value is None:
        return None
    text = value.strip().replace("_", "-")
    if len(text) > LANGUAGE_TAG_MAX or not _LANGUAGE_TAG.match(text):
        return None
    first, *rest = text.split("-")
    tidy = [first.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            tidy.append(part.upper())  # a region
        elif len(part) == 4 and part.isalpha():
            tidy.append(part.title())  # a script
        else:
            tidy.append(part.lower())
    return "-".join(tidy)


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@lru_cache(maxsize=256)
def template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression that reads a message made from ``template`` back into its
    values: "was not fetched: %(reason)s" matches "was not fetched: timed out"."""
    parts = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
    pattern = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )
    return re.compile(pattern + r"\Z", re.S)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools look for
    """Mark ``message`` for the catalogs without translating it where it is written."""
    return message


def supported(value: str | None) -> str | None:
    """The interface language ``value`` names ("de", "de-AT", "es_MX"), or None."""
    if not value or len(value) > 35:
        return None
    primary = value.replace("_", "-").split("-", 1)[0].strip().lower()
    return primary if primary in LOCALES else None


@lru_cache(maxsize=1024)
def from_accept_language(header: str) -> str | None:
    """The best interface language for an ``Accept-Language`` header, or None.

    Cached by header: the public cache asks on every request it answers.
    """
    accept = parse_accept_header(header[:_HEADER_MAX], LanguageAccept)
    try:
        found = accept.best_match(tuple(LOCALES))
    except ValueError:  # a tag werkzeug cannot read: as if there were none
        return None
    return supported(found)


def negotiate(
    user_locale: str | None,
    cookie: str | None,
    accept_language: str | None,
    default: str | None,
) -> str:
    """The locale for a request, from what it carries, in the order the module names."""
    return (
        supported(user_locale)
        or supported(cookie)
        or from_accept_language(accept_language or "")
        or supported(default)
        or DEFAULT_LOCALE
    )


class Problem(str):
    """A domain message in English (what the APIs answer) that remembers its msgid and
    values, so a page can say it in the reader's language: ``gettext(p.msgid, **p.values)``.
    Numbers are written as English writes them (``1,000``); a page formats its own."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Problem:
        english = {k: f"{v:,}" if isinstance(v, int) else v for k, v in values.items()}
        problem = super().__new__(cls, msgid % english if values else msgid)
        problem.msgid = msgid
        problem.values = values
        return problem
