"""Sending activities: queue a delivery per inbox, sign it, POST it, retry with backoff.

Never inside a web request: with a broker each delivery is a Celery task; on the
embedded default (no broker) fresh deliveries are sent after the response has gone
(``response.call_on_close``, in the real app's context) and retries are sent by the
due-runner (the beat task, or ``flask federation deliver-due``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    has_request_context,
    request,
)
from sqlalchemy import update

from folio.articles import events as article_events
from folio.core.outbound import OutboundRefused, fetch
from folio.core.throttle import Throttle
from folio.core.uow import current_session, unit_of_work
from folio.federation import documents, keys, queries, remote, rules, signatures
from folio.federation.models import Delivery
from folio.models import Article, User, now_utc

log = logging.getLogger(__name__)
# A delivery claimed by one runner is left alone by the others this long.
CLAIM = timedelta(minutes=5)
RETRY_STATUSES = frozenset({408, 425, 429})


def _config(name: str) -> Any:
    return current_app.config[name]


def queue(
    user_id: int, activity: dict[str, Any], inboxes: list[str], article_id: int | None = None
) -> list[int]:
    """Queue the activity to these inboxes in the current unit of work; the ids to send."""
    dead_after = timedelta(days=float(_config("FEDERATION_DELIVERY_GIVE_UP_DAYS")))
    return rules.queue_delivery(
        current_session(), user_id, activity, inboxes, article_id, dead_after=dead_after
    )


def schedule(ids: list[int]) -> None:
    """Send these (committed) deliveries outside the request: see the module's doc."""
    if not ids:
        return
    if has_worker():
        _queue_tasks(ids)
        return
    if not _config("FEDERATION_DELIVER_IMMEDIATELY"):
        return  # the due-runner sends them
    if has_request_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        _after_response(app, lambda: send_all(ids))
        return
    send_all(ids)


def has_worker() -> bool:
    """Whether a broker takes tasks (else they would run eagerly, in the caller)."""
    return not current_app.extensions["celery"].conf.task_always_eager


def _queue_tasks(ids: list[int]) -> None:
    from folio.tasks import run_task

    for delivery_id in ids:
        run_task("federation_deliver", delivery_id)


def _after_response(app: Flask, work: Callable[[], Any]) -> None:
    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:
                log.exception("deliveries after the response failed")

    @after_this_request
    def later(response: Response) -> Response:
        response.call_on_close(run)
        return response


_retry_throttle = Throttle()
_QUIET_ENDPOINTS = frozenset({"static", "health.health"})


def retry_after_response(response: Response) -> Response:
    """On the embedded default (no worker, maybe no cron), retries that are due go out
    after a response, at most every ``FEDERATION_RETRY_CHECK_SECONDS`` per process."""
    if (
        request.endpoint in _QUIET_ENDPOINTS
        # The public cache reads a miss's body (closing it) before sending it.
        or "folio.public_cache" in request.environ
        or not remote.enabled()
        or not _config("FEDERATION_DELIVER_IMMEDIATELY")
        or has_worker()
        or not _retry_throttle.due(float(_config("FEDERATION_RETRY_CHECK_SECONDS")))
    ):
        return response
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                deliver_due()
            except Exception:
                log.exception("retrying deliveries after a response failed")

    response.call_on_close(run)
    return response


def send_all(ids: list[int]) -> None:
    for delivery_id in ids:
        send(delivery_id)


def send(delivery_id: int) -> str:
    """Sign and POST one pending delivery; its state afterwards."""
    with unit_of_work() as uow:
        delivery = uow.session.get(Delivery, delivery_id)
        if delivery is None or delivery.state != "pending":
            return delivery.state if delivery is not None else "missing"
        user = uow.session.get(User, delivery.user_id)
        if user is None:
            return "missing"
        key = keys.ensure_key(uow.session, user.id, remote.fernet())
        private = keys.load_private(key, remote.fernet())
        body, inbox = delivery.payload.encode(), delivery.inbox
        key_id = remote.urls().key_id(user.username)
    # The network call holds no transaction open.
    headers = signatures.sign_request("POST", inbox, body, key_id, private)
    headers["Content-Type"] = documents.ACTIVITY_JSON
    try:
        response = fetch(inbox, remote.policy(), method="POST", headers=headers, body=body)
        status, error = response.status, f"answered {response.status}"
    except OutboundRefused as exc:
        status, error = 0, str(exc)
    with unit_of_work() as uow:
        delivery = uow.session.get(Delivery, delivery_id)
        if delivery is None:
            return "missing"
        if 200 <= status < 300:
            rules.delivery_done(delivery)
        else:
            permanent = 400 <= status < 500 and status not in RETRY_STATUSES
            rules.delivery_failed(
                delivery,
                error,
                permanent=permanent,
                backoff=float(_config("FEDERATION_DELIVERY_BACKOFF_SECONDS")),
                max_backoff=float(_config("FEDERATION_DELIVERY_MAX_BACKOFF_SECONDS")),
                give_up_after=timedelta(days=float(_config("FEDERATION_DELIVERY_GIVE_UP_DAYS"))),
            )
            log.info("delivery %s to %s failed: %s", delivery_id, inbox, error)
        return delivery.state


def claim_due(limit: int = 100) -> list[int]:
    """Claim the deliveries whose next attempt is due (each by one runner only)."""
    now = now_utc()
    claimed = []
    with unit_of_work() as uow:
        for delivery_id in queries.due_delivery_ids(uow.session, now, limit):
            result = uow.session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.state == "pending",
                    Delivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + CLAIM)
            )
            if getattr(result, "rowcount", 0):
                claimed.append(delivery_id)
    return claimed


def deliver_due(limit: int = 100) -> int:
    """Send (or, with a broker, queue) every delivery that is due; how many."""
    ids = claim_due(limit)
    if has_worker():
        _queue_tasks(ids)
    else:
        send_all(ids)
    return len(ids)


# --- publishing outward, from the articles' domain events -----------------------------------


def _article_activity(event: article_events.ArticleEvent, kind: str) -> None:
    if not remote.enabled():
        return
    urls = remote.urls()
    with unit_of_work() as uow:
        found = uow.session.get(Article, event.article_id)
        if found is None or not found.is_published:
            return
        rules.unbury(uow.session, urls.article(found.slug))
        inboxes = rules.follower_inboxes(uow.session, found.author_id)
        if not inboxes:
            return  # no remote follower: no document to build (most authors, most posts)
        article = queries.article_for_document(uow.session, found.slug) or found
        activity = documents.create_article(urls, article, article.author, kind)
        ids = queue(article.author_id, activity, inboxes, article.id)
    schedule(ids)


def on_published(event: article_events.ArticlePublished) -> None:
    _article_activity(event, "Create")


def on_updated(event: article_events.ArticleUpdated) -> None:
    _article_activity(event, "Update")


def _gone(author_id: int, article_id: int, slug: str) -> None:
    if not remote.enabled():
        return
    urls = remote.urls()
    object_uri = urls.article(slug)
    with unit_of_work() as uow:
        author = uow.session.get(User, author_id)
        if author is None:
            return
        rules.bury(uow.session, object_uri)
        inboxes = rules.follower_inboxes(uow.session, author_id)
        stamp = now_utc().strftime("%Y%m%d%H%M%S%f")
        activity = documents.delete_object(urls, object_uri, author.username, stamp)
        ids = queue(author_id, activity, inboxes, article_id) if inboxes else []
    schedule(ids)


def on_unpublished(event: article_events.ArticleUnpublished) -> None:
    with unit_of_work() as uow:
        article = uow.session.get(Article, event.article_id)
        slug = article.slug if article is not None else None
    if slug:
        _gone(event.author_id, event.article_id, slug)


def on_deleted(event: article_events.ArticleDeleted) -> None:
    _gone(event.author_id, event.article_id, event.slug)
