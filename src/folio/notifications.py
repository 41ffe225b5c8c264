"""Email notifications: what triggers them, and the unsubscribe link they carry.

Two events send email to people other than the actor: a comment on your article, and a
new article from someone you follow. Rather than ask each face (pages, /api/v1, /api) to
remember a call after every such write, the session's ``after_flush`` event notices them
(a new Comment; an Article that is new and published, or whose status just became
published) and queues the task with :func:`folio.tasks.enqueue`, which runs only once the
request's commit succeeded. Writes outside a request (``flask seed-db``, tests' factories)
notify nobody.

``/unsubscribe/<token>``: a signed link in every notification. GET asks, POST (also the
RFC 8058 one-click POST a mail client sends) turns ``User.email_notifications`` off. The
token is the credential, so the form needs no CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, has_request_context, render_template, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from folio.extensions import csrf, db
from folio.models import Article, Comment, Status, User

bp = Blueprint("notifications", __name__)

_SALT = "folio.unsubscribe"
_SEEN = "folio_notified"


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
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None:
        raise NotFound()
    return user


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    user = _user_for(token)
    done = request.method == "POST"
    if done:
        user.email_notifications = False
        db.session.commit()
    response = current_app.make_response(
        render_template("notifications/unsubscribe.html", email=user.email, done=done)
    )
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


def _became_published(article: Article) -> bool:
    history = inspect(article).attrs.status.history
    return Status.PUBLISHED.value in (history.added or ()) and article.is_published


def _on_flush(session: Session, _context: Any) -> None:
    if not has_request_context() or "celery" not in current_app.extensions:
        return
    from folio.tasks import enqueue

    seen: set[tuple[str, int]] = session.info.setdefault(_SEEN, set())
    for obj in session.new:
        if isinstance(obj, Comment):
            key = ("comment", obj.id)
            if key not in seen:
                seen.add(key)
                enqueue(session, "notify_comment", obj.id, base_url())
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Article) and _became_published(obj):
            key = ("article", obj.id)
            if key not in seen:
                seen.add(key)
                enqueue(session, "notify_new_article", obj.id, base_url())


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_SEEN, None)


def init_notifications(app: Flask) -> None:
    app.register_blueprint(bp)
    if not event.contains(Session, "after_flush", _on_flush):
        event.listen(Session, "after_flush", _on_flush)
        event.listen(Session, "after_commit", _forget)
        event.listen(Session, "after_soft_rollback", _forget)
