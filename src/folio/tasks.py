"""Background work with Celery, bound to the Flask app context.

The factory calls :func:`init_celery`, which builds one Celery app per Flask app (the
pattern from Flask's "Background Tasks with Celery" page): every task runs inside the
Flask app's context, so it uses ``db.session``, the config and ``send_mail`` as a view
does. With ``REDIS_URL`` set, Redis is the broker; without it, tasks run eagerly in the
calling process (development, tests, a one-machine install).

A worker is started with ``celery -A folio.tasks worker``. Celery looks the app up as the
module attribute ``app``; this module answers that lookup lazily (a module
``__getattr__``, PEP 562), building ``create_app()`` only then. Importing the module
therefore still has no side effect: nothing connects, nothing is written.

Tasks are acknowledged late (after they ran), so a worker killed mid-task leaves its
message to be delivered again; each task is therefore idempotent: every email has a key,
and a key already sent is not sent twice (see :func:`mail_once`).

Tasks are queued by domain-event subscribers (:func:`run_task`), which run only after
the unit of work committed (:mod:`folio.core.uow`); a rollback queues nothing.
"""

from __future__ import annotations

import logging
import smtplib
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from celery import Celery, Task, shared_task
from flask import Flask, current_app

from folio.core.broker import transport_for

if TYPE_CHECKING:
    from folio.models import User

log = logging.getLogger(__name__)

# An email whose key is marked sent is not sent again for this long (task redeliveries
# happen within the broker's visibility timeout, an hour by default).
SENT_MARK_SECONDS = 7 * 24 * 3600
# While one worker sends a keyed email, another delivery of the same task waits it out.
CLAIM_SECONDS = 300
# How long a request waits to learn whether the broker answers.
QUEUE_CHECK_SECONDS = 2.0
RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


def init_celery(app: Flask) -> Celery:
    """Create the Celery app bound to ``app`` and keep it in ``app.extensions``."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            # A task gets an app context of its own (its own db.session), also when it
            # runs eagerly inside a request.
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker or "memory://",
        # Redis: kombu's transport, publishing through one client (folio.core.broker).
        broker_transport=transport_for(broker),
        # No broker: run in the caller. Failures reach the caller only in tests; in
        # production an eager email failure is logged, it never fails a request.
        task_always_eager=not broker,
        task_eager_propagates=app.testing,
        task_ignore_result=True,
        # Acknowledge after the task ran, and give the message back when the worker
        # process dies mid-task (kill -9, OOM): the tasks are idempotent, so a repeat is
        # harmless and nothing is lost.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per worker process: a late-acked message held in a
        # prefetch buffer would wait behind a slow task.
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        timezone="UTC",
        enable_utc=True,
        # `celery -A folio.tasks beat`: publishes scheduled articles. Two beats running
        # by mistake are harmless: each article is claimed by one run only.
        beat_schedule={
            "publish-due-articles": {
                "task": "folio.tasks.publish_due_articles",
                "schedule": float(app.config.get("SCHEDULE_BEAT_SECONDS", 30.0)),
            },
            # Webhook retries that came due (folio.webhooks.tasks).
            "deliver-due-webhooks": {
                "task": "folio.tasks.deliver_due_webhooks",
                "schedule": float(app.config.get("WEBHOOK_BEAT_SECONDS", 30.0)),
            },
        },
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


# --- queueing ---------------------------------------------------------------------------


def run_task(name: str, *args: Any) -> None:
    """Queue the task ``folio.tasks.<name>``, or run it here when there is no broker.

    Called by event subscribers, that is after the unit of work committed: a rolled-back
    write queues nothing, and an eager task never waits on the caller's own write lock.
    """
    celery: Celery = current_app.extensions["celery"]
    task = celery.tasks[f"folio.tasks.{name}"]
    if celery.conf.task_always_eager:
        # apply_async would still build a broker producer; run in place instead.
        task.apply(args=args)
    else:
        task.apply_async(args=args)


def ensure_queue_reachable() -> None:
    """Refuse now, with a 503, what could not be queued: check that the broker answers.

    For requests whose whole point is an email (a reset link): queueing happens after
    the commit, where a failure can no longer change the answer. Asked of every such
    request, whether or not its address has an account, so the answer tells no one.

    :raises DependencyUnavailable: the broker cannot be reached.
    """
    from folio.errors import DependencyUnavailable

    celery: Celery = current_app.extensions["celery"]
    if celery.conf.task_always_eager:
        return
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=QUEUE_CHECK_SECONDS
            )
    except Exception as exc:
        raise DependencyUnavailable("the task queue") from exc


# --- the worker's entry point --------------------------------------------------------

_worker_app: Celery | None = None


def __getattr__(name: str) -> Any:
    # `celery -A folio.tasks worker` reads folio.tasks.app (then .celery): build the Flask
    # app from the environment (FOLIO_ENV, DATABASE_URL, REDIS_URL, ...) on that first use.
    global _worker_app
    if name in ("app", "celery"):
        if _worker_app is None:
            from folio import create_app

            _worker_app = create_app().extensions["celery"]
        return _worker_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- email, once per key -------------------------------------------------------------


def mail_once(key: str, to: str, subject: str, body: str, **kwargs: Any) -> bool:
    """Send an email unless the one with ``key`` was already sent; True if sent now."""
    from folio.extensions import cache
    from folio.mail import send_mail

    done_key, claim_key = f"mail:sent:{key}", f"mail:claim:{key}"
    if cache.get(done_key):
        log.info("email %s already sent; skipped", key)
        return False
    if not cache.add(claim_key, 1, timeout=CLAIM_SECONDS):
        log.info("email %s is being sent by another worker; skipped", key)
        return False
    try:
        send_mail(to, subject, body, **kwargs)
    except Exception:
        cache.delete(claim_key)
        raise
    cache.set(done_key, 1, timeout=SENT_MARK_SECONDS)
    return True


def external_url(base_url: str, endpoint: str, **values: Any) -> str:
    """An absolute URL for ``endpoint`` on the site at ``PUBLIC_URL`` (no request needed).

    ``base_url`` (what the queued message carries) is only a fallback for an app without
    ``PUBLIC_URL``: the worker's own configuration decides the host of every mailed link,
    so a message queued by an older release cannot point one elsewhere.
    """
    parts = urlsplit(str(current_app.config.get("PUBLIC_URL") or base_url))
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _notifiable(user: User | None) -> bool:
    return user is not None and user.is_active and user.email_notifications


@shared_task(
    name="folio.tasks.send_password_reset",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset(user_id: int, base_url: str, request_key: str) -> bool:
    """Email a password-reset link. The token is made here, so no broker ever holds it."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from folio.accounts.rules import make_password_reset_token
    from folio.extensions import db
    from folio.i18n.setup import mail_locale
    from folio.models import User

    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    token = make_password_reset_token(user, current_app.config["SECRET_KEY"])
    link = external_url(base_url, "auth.reset_password", token=token)
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60
    # In the recipient's language, wherever the task runs (no request: their setting).
    with force_locale(mail_locale(user.locale)):
        body = _(
            "Hello %(name)s,\n\n"
            "Someone (we hope you) asked to reset the password of your Folio account.\n"
            "Choose a new one here within %(minutes)d minutes:\n\n%(link)s\n\n"
            "The link works once. If you did not ask for it, ignore this email: your\n"
            "password stays as it is.\n",
            name=user.name,
            minutes=minutes,
            link=link,
        )
        subject = _("Reset your Folio password")
    return mail_once(f"reset:{request_key}", user.email, subject, body)


@shared_task(
    name="folio.tasks.notify_comment",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def notify_comment(comment_id: int, base_url: str) -> bool:
    """Tell an article's author about a new comment on it (not their own)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from folio.extensions import db
    from folio.i18n.setup import mail_locale
    from folio.models import Article, Comment, User
    from folio.notifications import unsubscribe_url

    comment = db.session.get(Comment, comment_id)
    if comment is None:
        return False
    article = db.session.get(Article, comment.article_id)
    if article is None or article.author_id == comment.author_id:
        return False
    author = db.session.get(User, article.author_id)
    commenter = db.session.get(User, comment.author_id)
    if author is None or not _notifiable(author) or commenter is None:
        return False
    link = external_url(base_url, "web.article", slug=article.slug)
    unsubscribe = unsubscribe_url(base_url, author)
    with force_locale(mail_locale(author.locale)):
        body = _(
            "Hello %(name)s,\n\n%(commenter)s commented on \u201c%(title)s\u201d:\n\n"
            "%(comment)s\n\nRead and reply: %(link)s\n\n"
            "Stop these emails: %(unsubscribe)s\n",
            name=author.name,
            commenter=commenter.name,
            title=article.title,
            comment=comment.body,
            link=link,
            unsubscribe=unsubscribe,
        )
        subject = _("New comment on \u201c%(title)s\u201d", title=article.title)
    return mail_once(
        f"comment:{comment.id}",
        author.email,
        subject,
        body,
        headers=_unsubscribe_headers(unsubscribe),
    )


@shared_task(
    name="folio.tasks.notify_new_article",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def notify_new_article(article_id: int, base_url: str) -> int:
    """Followers of the author are mailed with the newsletter's subscribers now (one
    list, one send per address): a message queued by an older release goes that way."""
    from folio.newsletter.delivery import newsletter_fan_out

    return int(newsletter_fan_out(article_id))


@shared_task(name="folio.tasks.publish_article")
def publish_article(slug: str) -> bool:
    """Publish a draft as its author, from a worker: the same unit of work and the same
    effects as publishing from the editor (scheduled publishing runs through here).
    Publishing an article already published changes nothing, so a repeat is harmless."""
    from folio.articles import queries as article_queries
    from folio.articles import rules as articles
    from folio.core.uow import unit_of_work

    with unit_of_work() as uow:
        article = article_queries.find_article(uow.session, slug)
        was_published = article.is_published
        articles.publish_article(uow.session, article.author, article)
    return not was_published


@shared_task(name="folio.tasks.publish_due_articles")
def publish_due_articles() -> list[str]:
    """Publish every scheduled article whose moment has come (beat runs it every 30 s).

    Safe to run anywhere any number of times at once: each article is claimed by one run,
    and a worker that was down catches up on everything overdue on its first run.
    """
    from folio.articles.scheduling import publish_due
    from folio.extensions import db

    return publish_due(db.session())


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058 one-click unsubscribe: mail clients POST to the link.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


# --- images ---------------------------------------------------------------------------


@shared_task(name="folio.tasks.make_media_variants")
def make_media_variants(media_id: int) -> int:
    """Make and store an upload's variants (pages name them before they exist and get
    the original until then). An upload already done is skipped, so a repeat is harmless."""
    from folio.media.uploads import make_variants_now

    return len(make_variants_now(media_id))


@shared_task(name="folio.tasks.delete_media_objects")
def delete_media_objects(kind: str, content_hash: str, keys: list[str]) -> None:
    """Remove a deleted upload's objects, unless another upload of the same file uses them."""
    from folio.media.uploads import forget_objects

    forget_objects(kind, content_hash, keys)
