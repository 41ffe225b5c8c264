"""The footer's language switcher: a cookie for everyone, the account's setting too."""

from __future__ import annotations

from flask import current_app, redirect, request
from flask_login import current_user

from folio.accounts import rules as accounts
from folio.core.uow import unit_of_work
from folio.extensions import csrf
from folio.i18n import LOCALE_COOKIE, supported
from folio.security import safe_next_url
from folio.web import bp
from folio.web.helpers import signed_in_user

# A year: a reader who chose a language keeps it.
COOKIE_SECONDS = 365 * 24 * 3600


@bp.post("/language")
def choose_language():
    """Remember the reader's language; an empty or unknown choice means "the browser's".

    Anonymous pages are cached for everyone and carry no CSRF token, so an anonymous
    switch needs none: the worst a forged one does is change how the site reads to that
    reader, who can change it back. A signed-in reader's choice writes to the account,
    so theirs must carry the token (their pages are never shared).
    """
    chosen = supported(request.form.get("locale"))
    if current_user.is_authenticated:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        with unit_of_work() as uow:
            accounts.set_locale(uow.session, signed_in_user(), chosen)
    response = redirect(safe_next_url(request.form.get("next")), code=303)
    if chosen is None:
        response.delete_cookie(LOCALE_COOKIE)
    else:
        response.set_cookie(
            LOCALE_COOKIE,
            chosen,
            max_age=COOKIE_SECONDS,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


csrf.exempt(choose_language)
