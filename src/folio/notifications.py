"""Email notifications: what triggers them, and the unsubscribe link they carry.

Two domain events send email here: a comment on your article, and a password reset you
asked for (a new article from someone you follow goes out with the newsletter,
folio.newsletter: one list, one unsubscribe). Their subscribers run after the unit of
work committed, wherever it ran (a request, a ``flask`` command, a Celery task), and
queue the task that sends the email. Bulk writes that record no such event
(``flask seed-db``, tests' factories) notify nobody.

``/unsubscribe/<token>``: a signed link in every notification. GET asks, POST (also the
RFC 8058 one-click POST a mail client sends) turns ``User.email_notifications`` off. The
token is the credential, so the form needs no CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.exceptions import NotFound

from folio.accounts import rules as accounts
from folio.accounts.events import PasswordResetRequested
from folio.comments.events import CommentAdded
from folio.core.events import subscribe
from folio.core.uow import current_session, unit_of_work
from folio.extensions import csrf
from folio.i18n import supported
from folio.models import User
from folio.tasks import run_task

bp = Blueprint("notifications", __name__)

_SALT = "folio.unsubscribe"


def _serializer() -> URLSafeSerializer:
    config = current_app.config
    # itsdangerous signs with the last key and accepts all: rotated keys keep old links.
    keys = [*reversed(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeSerializer(keys, salt=_SALT)


def unsubscribe_token(user: User) -> str:
    return str(_serializer().dumps({"u": user.id}))


def unsubscribe_url(base_url: str, user: User) -> str:
    from folio.tasks import external_url

    return external_url(base_url, "notifications.unsubscribe", token=unsubscribe_token(user))


def _user_for(token: str) -> User:
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise NotFound() from exc
    user = current_session().get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None:
        raise NotFound()
    return user


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    user = _user_for(token)
    done = request.method == "POST"
    if done:
        with unit_of_work() as uow:
            accounts.stop_email_notifications(uow.session, user)
    # In the language the account's mails are written in (its setting), else the request's.
    if language := supported(user.locale):
        with force_locale(language):
            page = render_template("notifications/unsubscribe.html", email=user.email, done=done)
    else:
        page = render_template("notifications/unsubscribe.html", email=user.email, done=done)
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- what triggers a notification ----------------------------------------------------


def base_url() -> str:
    """The site's address for links in emails: always ``PUBLIC_URL``.

    Never the request's: its Host (or X-Forwarded-Host) is the client's to choose, and a
    reset link pointing at another host would hand that host a valid token. The config
    sets ``PUBLIC_URL`` in every profile (production refuses to start without it).
    """
    return str(current_app.config["PUBLIC_URL"])


def _on_comment_added(event: CommentAdded) -> None:
    run_task("notify_comment", event.comment_id, base_url())


def _on_password_reset_requested(event: PasswordResetRequested) -> None:
    # The event id keys the email: a redelivered task does not mail the link twice.
    run_task("send_password_reset", event.user_id, base_url(), event.event_id)


def init_notifications(app: Flask) -> None:
    app.register_blueprint(bp)
    subscribe(_on_comment_added, CommentAdded)  # type: ignore[arg-type]
    subscribe(_on_password_reset_requested, PasswordResetRequested)  # type: ignore[arg-type]
