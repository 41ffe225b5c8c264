"""Sending: what runs when an article is published, and the Celery tasks that mail it.

``ArticlePublished`` (from the editor, the API, ``flask publish`` or the schedule) queues
``newsletter_fan_out``: one pending row per recipient in ``newsletter_sends`` (unique per
article and address, so running it again adds nothing), then batches of
``NEWSLETTER_BATCH_SIZE`` sends spaced to keep ``NEWSLETTER_RATE_PER_MINUTE``. A batch
claims each row (pending -> sending, one UPDATE that only one worker can win) and commits
before sending, marks it sent after; a failed send goes back to pending and the batch is
retried. A batch redelivered after a worker died sends what is still pending: a crash
resumes where it stopped, and nothing claimed is ever sent twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery, shared_task
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from folio.articles.events import ArticlePublished
from folio.core.errors import ValidationFailed
from folio.core.events import subscribe
from folio.core.uow import unit_of_work
from folio.i18n import supported
from folio.i18n.setup import mail_locale
from folio.mail import send_mail
from folio.models import Article, User
from folio.newsletter import emails
from folio.newsletter import rules as newsletter
from folio.tasks import RETRYABLE, run_task

log = logging.getLogger(__name__)


def _on_article_published(event: ArticlePublished) -> None:
    run_task("newsletter_fan_out", event.article_id)


def _queue_batch(send_ids: list[int], countdown: float) -> None:
    celery: Celery = current_app.extensions["celery"]
    task = celery.tasks["folio.tasks.newsletter_send_batch"]
    if celery.conf.task_always_eager:
        task.apply(args=(send_ids,))
    else:
        task.apply_async(args=(send_ids,), countdown=countdown)


def _spacing() -> tuple[int, float]:
    """The batch size and the seconds between batches that keep the configured rate."""
    config = current_app.config
    size = max(1, int(config["NEWSLETTER_BATCH_SIZE"]))
    rate = max(1, int(config["NEWSLETTER_RATE_PER_MINUTE"]))
    return size, 60.0 * size / rate


# Both are idempotent, so a database that was busy (SQLite's lock) is simply tried again.
_BUSY = (*RETRYABLE, OperationalError)


@shared_task(
    name="folio.tasks.newsletter_fan_out", autoretry_for=_BUSY, retry_backoff=True, max_retries=5
)
def newsletter_fan_out(article_id: int) -> int:
    """Queue an article's sends and their batches; the number of sends still to go."""
    stale = timedelta(seconds=int(current_app.config["NEWSLETTER_STALE_CLAIM_SECONDS"]))
    with unit_of_work() as uow:
        # A write first: on SQLite a transaction that read first could not upgrade to a
        # write once another process wrote meanwhile ("database is locked", at once).
        newsletter.give_up_stale_claims(uow.session, article_id, stale)
        article = uow.session.get(Article, article_id)
        if article is None:
            return 0
        newsletter.queue_sends(uow.session, article.id, newsletter.recipients(uow.session, article))
        pending = newsletter.pending_sends(uow.session, article.id)
    size, seconds = _spacing()
    for number, start in enumerate(range(0, len(pending), size)):
        _queue_batch(pending[start : start + size], number * seconds)
    log.info("newsletter: article %s queued to %s addresses", article_id, len(pending))
    return len(pending)


@shared_task(
    name="folio.tasks.newsletter_send_batch",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=8,
)
def newsletter_send_batch(send_ids: list[int]) -> int:
    """Send each still-pending send of the batch; the number sent by this run.

    Each send is claimed and its message composed in one short transaction, committed
    before the message goes out, so no database lock is held while SMTP talks.
    """
    sent = 0
    for send_id in send_ids:
        with unit_of_work() as uow:
            send = newsletter.claim_send(uow.session, send_id)
            if send is None:
                continue
            email = send.email
            message = _message_for(uow.session, send.article_id, email)
        try:
            if message is not None:
                send_mail(email, message.subject, message.text, message.headers, message.html)
        except Exception:
            with unit_of_work() as uow:
                newsletter.finish_send(uow.session, send_id, sent=False)
            raise
        with unit_of_work() as uow:
            newsletter.finish_send(uow.session, send_id, sent=True)
        sent += 1
    return sent


def _message_for(session: Session, article_id: int, email: str) -> emails.Message | None:
    article = session.get(Article, article_id)
    if article is None or not article.is_published:
        return None  # unpublished or deleted since: the claim is spent, nothing goes out
    author = session.get(User, article.author_id)
    if author is None:
        return None
    # A member's setting first, then the language the address subscribed in.
    locale = mail_locale(*newsletter.locales_of(session, email, article.author_id))
    return emails.article_message(article, author, email, locale)


@shared_task(
    name="folio.tasks.newsletter_confirmation",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def newsletter_confirmation(email: str, author_id: int | None, locale: str | None = None) -> bool:
    """Mail the signed confirmation link (made here: no broker ever holds it), in the
    language the reader asked in (``locale``), else one the address is known to read
    (an imported list's mails), else the site's."""
    with unit_of_work() as uow:
        author = uow.session.get(User, author_id) if author_id is not None else None
        if author_id is not None and (author is None or not author.is_active):
            return False
        candidates = [locale, *newsletter.locales_of(uow.session, email)]
        known = next((c for c in candidates if supported(c)), None)
        message = emails.confirmation(email, author, known)
    send_mail(email, message.subject, message.text)
    return True


@shared_task(
    name="folio.tasks.newsletter_import", autoretry_for=_BUSY, retry_backoff=True, max_retries=5
)
def newsletter_import(
    actor_id: int, addresses: list[str], author_id: int | None, consent: bool
) -> int:
    """A chunk of an imported CSV: added at once (consent affirmed), or each address
    mailed a confirmation link. The number added or mailed. Each address is checked in
    full here (the request only checked its shape); one that fails is skipped."""
    addresses = _valid(addresses)
    if not consent:
        for email in addresses:
            run_task("newsletter_confirmation", email, author_id)
        return len(addresses)
    with unit_of_work() as uow:
        actor = uow.session.get(User, actor_id)
        if actor is None:
            return 0
        return newsletter.import_confirmed(uow.session, actor, addresses, author_id)


def _valid(addresses: list[str]) -> list[str]:
    valid = []
    for raw in addresses:
        try:
            valid.append(newsletter.normalise_address(raw))
        except ValidationFailed:
            log.info("newsletter import: skipped an invalid address")
    return valid


def queue_import(actor_id: int, addresses: list[str], author_id: int | None, consent: bool) -> int:
    """Hand an import to the workers, a chunk per task; the number of chunks."""
    chunk = int(current_app.config["NEWSLETTER_IMPORT_CHUNK"])
    chunks = [addresses[start : start + chunk] for start in range(0, len(addresses), chunk)]
    for part in chunks:
        run_task("newsletter_import", actor_id, part, author_id, consent)
    return len(chunks)


def init_newsletter(app: Flask) -> None:
    """Mail each published article (importing this module registered its tasks)."""
    subscribe(_on_article_published, ArticlePublished)  # type: ignore[arg-type]
