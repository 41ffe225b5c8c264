"""Flask-Login wiring: the session carries "<user id>:<session version>"."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from folio.core.uow import current_session
from folio.extensions import login_manager
from folio.models import User
from folio.security import safe_next_url


def load_user(login_id: str) -> User | None:
    user_id, _, version = login_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = current_session().get(User, int(user_id))
    # An old version means "signed out everywhere", a password change or deactivation.
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _here() -> str:
    """Where to come back to after signing in, as a path on this site."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    # A POST (a favorite, a comment) cannot be replayed: come back to the page it was on.
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return "/"


def unauthorized() -> ResponseReturnValue:
    """Send an anonymous reader to the sign-in page, with a relative ``next``.

    Flask-Login's default puts the absolute URL in ``next``, which safe_next_url refuses.
    """
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    ):
        return jsonify({"errors": {"session": ["sign in to continue"]}}), 401
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.login", next=safe_next_url(_here())))


def forget_stale_login(response: Response) -> Response:
    """A page request whose session or remember cookie no longer signs anyone in (signed
    out elsewhere, password changed, account gone, cookie tampered) was answered as
    anonymous; make the browser drop those credentials too, so it stays plainly anonymous
    (and its next public page can come from the shared cache).
    """
    from folio.errors import face

    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    has_login = "_user_id" in session or remember in request.cookies
    if not has_login or face() != "web" or current_user.is_authenticated:
        return response
    session.pop("_user_id", None)
    session.pop("_fresh", None)
    if remember in request.cookies:
        session["_remember"] = "clear"  # Flask-Login's own hook then deletes the cookie
    return response


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    # Should Flask-Login ever flash it itself, in the reader's language.
    login_manager.localize_callback = _
    login_manager.login_message_category = "info"
    # "basic", not "strong": a phone changing networks must not sign its user out.
    login_manager.session_protection = "basic"
    # Registered after Flask-Login's own hook, so it runs before it (hooks run in reverse).
    app.after_request(forget_stale_login)
