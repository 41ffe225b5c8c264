"""The request's locale, time zone and catalog, found once per request.

Flask-Babel looks them up afresh on every call: four context lookups and a catalog key
built from the locale, about 14 µs per translated word. A list page says ~100 of them
(bench/README.md, issue 21), so templates and filters read them from here instead.

What is remembered lives beside Flask-Babel's own per-request state and counts only while
that state holds the same locale and zone objects: ``force_locale`` (mails in the
recipient's language) and ``refresh`` replace them, and the next call looks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import flask_babel
from babel import Locale
from babel.support import NullTranslations
from flask import Flask, g, has_app_context

from folio.i18n import DEFAULT_LOCALE

_NULL_TRANSLATIONS = NullTranslations()
_DEFAULT = Locale.parse(DEFAULT_LOCALE)


@dataclass(frozen=True, slots=True)
class ReaderLanguage:
    locale: Locale
    identifier: str  # "de", "es": a cheap key for memos
    zone: tzinfo | None
    translations: NullTranslations


def reader_language() -> ReaderLanguage | None:
    """The locale, zone and catalog of the current request (None outside any app)."""
    if not has_app_context():
        return None
    state = g.get("_flask_babel")
    if state is not None:
        known: ReaderLanguage | None = getattr(state, "folio_reader", None)
        if (
            known is not None
            and known.locale is getattr(state, "babel_locale", None)
            and known.zone is getattr(state, "babel_tzinfo", None)
        ):
            return known
    # Flask-Babel chooses (folio.i18n.setup's rules) and remembers its choice in g.
    translations = flask_babel.get_translations()
    locale = flask_babel.get_locale() or _DEFAULT
    zone = flask_babel.get_timezone()
    found = ReaderLanguage(locale, str(locale), zone, translations)
    state = g.get("_flask_babel")
    if state is not None and getattr(state, "babel_locale", None) is locale:
        state.folio_reader = found
    return found


def current_locale() -> Locale:
    known = reader_language()
    return known.locale if known is not None else _DEFAULT


def current_translations() -> NullTranslations:
    known = reader_language()
    return known.translations if known is not None else _NULL_TRANSLATIONS


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's ``gettext``, without its per-call lookups."""
    translated = current_translations().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return current_translations().ungettext(singular, plural, num) % variables


def install_template_callables(app: Flask) -> None:
    """Templates' ``_``, ``ngettext``, ``pgettext`` and ``npgettext`` read the request's
    catalog from here (Jinja's newstyle wrappers still escape and format)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
