"""Flask-Babel, bound to Folio's rule for choosing a request's locale and time zone."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import Babel
from flask_login import current_user

from folio.i18n import DEFAULT_LOCALE, LOCALE_COOKIE, LOCALES, negotiate, supported
from folio.i18n.current import install_template_callables, reader_language

babel = Babel()


def _signed_in_user() -> Any:
    user = current_user
    return user if user and user.is_authenticated else None


def select_locale() -> str:
    default = current_app.config.get("BABEL_DEFAULT_LOCALE")
    if not has_request_context():
        return supported(default) or DEFAULT_LOCALE
    user = _signed_in_user()
    return negotiate(
        user.locale if user is not None else None,
        request.cookies.get(LOCALE_COOKIE),
        request.headers.get("Accept-Language"),
        default,
    )


def select_time_zone() -> str | None:
    # Signed-in readers chose theirs (folio.articles.scheduling checks the name); everyone
    # else reads the site's default (BABEL_DEFAULT_TIMEZONE).
    if not has_request_context():
        return None
    user = _signed_in_user()
    return user.time_zone if user is not None and user.time_zone else None


def mail_locale(*candidates: str | None) -> str:
    """The language a mail is written in: the first of the recipient's known choices
    (their account's setting, the language they subscribed in), else the site's."""
    for candidate in candidates:
        if found := supported(candidate):
            return found
    return supported(current_app.config.get("BABEL_DEFAULT_LOCALE")) or DEFAULT_LOCALE


def locale_for_environ(environ: dict[str, Any], default: str | None) -> str:
    """The locale an anonymous request gets, read from the raw WSGI environ.

    The public cache keys on it before Flask sees the request; it is
    ``select_locale``'s rule without the signed-in user (whose pages are never cached).
    """
    from werkzeug.http import parse_cookie

    cookie_header = environ.get("HTTP_COOKIE")
    cookie = parse_cookie(cookie_header).get(LOCALE_COOKIE) if cookie_header else None
    return negotiate(None, cookie, environ.get("HTTP_ACCEPT_LANGUAGE"), default)


def _template_globals() -> dict[str, Any]:
    reader = reader_language()
    current = reader.identifier if reader is not None else DEFAULT_LOCALE
    return {"current_locale": current, "interface_locales": LOCALES}


def _vary_on_language(response: Response) -> Response:
    # Every page can differ by the reader's language: shared caches must keep them apart.
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response


def init_i18n(app: Flask) -> None:
    configured = app.config.get("BABEL_DEFAULT_LOCALE")
    if supported(configured) != configured:
        # An unsupported site default ("fr", "xx") would translate nothing: English.
        app.config["BABEL_DEFAULT_LOCALE"] = supported(configured) or DEFAULT_LOCALE
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    install_template_callables(app)
    app.context_processor(_template_globals)
    app.after_request(_vary_on_language)
