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
from flask import Flask, g
from flask.globals import _cv_app
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

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
    # The app context straight from its context variable: a template asks ~90 times a
    # page, and each ``g`` or ``has_app_context`` goes through a proxy.
    context = _cv_app.get(None)
    if context is None:
        return None
    state = context.g.__dict__.get("_flask_babel")
    if state is not None:
        known: ReaderLanguage | None = state.__dict__.get("folio_reader")
        if (
            known is not None
            and known.locale is state.__dict__.get("babel_locale")
            and known.zone is state.__dict__.get("babel_tzinfo")
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


# Templates' translation callables. Jinja's own newstyle wrappers reach the catalog
# through three ``Context.call``s per word (``_`` is an alias of ``gettext``); these
# do what those wrappers do (escape when the template autoescapes, always format) in one.


def _formatted(eval_ctx: EvalContext, translated: str, variables: dict[str, Any]) -> str:
    if not variables and "%" not in translated:
        # What ``% {}`` would give, without the formatting machinery (most words).
        return Markup(translated) if eval_ctx.autoescape else translated  # noqa: S704
    if eval_ctx.autoescape:
        # The catalog is ours (reviewed .po files); the arguments are escaped by %.
        return Markup(translated) % variables  # noqa: S704
    return translated % variables


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    return _formatted(eval_ctx, current_translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    translated = current_translations().ungettext(singular, plural, num)
    return _formatted(eval_ctx, translated, variables)


@pass_eval_context
def _template_pgettext(
    eval_ctx: EvalContext, context: str, string: str, /, **variables: Any
) -> str:
    variables.setdefault("context", context)
    return _formatted(eval_ctx, current_translations().upgettext(context, string), variables)


@pass_eval_context
def _template_npgettext(
    eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    translated = current_translations().unpgettext(context, singular, plural, num)
    return _formatted(eval_ctx, translated, variables)


def install_template_callables(app: Flask) -> None:
    """Templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext`` (and
    ``{% trans %}``, which calls them) read the request's catalog from here."""
    env = app.jinja_env
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )
