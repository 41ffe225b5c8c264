"""Sending webhooks: after the commit, once per (endpoint, event), never in a request.

One subscriber maps the domain events to webhooks (:mod:`folio.webhooks.payloads`) and
writes one pending delivery per matching endpoint. Then:

- with a broker (production), each delivery is a Celery task ``folio.tasks.deliver_webhook``;
  retries come due and are queued by the beat task ``folio.tasks.deliver_due_webhooks``
  (or ``flask --app folio webhooks deliver-due`` from cron);
- without one (the embedded default), deliveries go out **after the response** has been
  sent (``response.call_on_close``, in a fresh context of the real app), so no request
  waits on a receiver; due retries are picked up the same way by a throttled check at the
  start of requests (``WEBHOOK_ON_REQUEST``, every ``WEBHOOK_CHECK_SECONDS``).

Every attempt first claims its delivery with one conditional UPDATE (committed before the
request goes out): two workers holding the same message, or a message delivered twice,
send it once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from werkzeug.wrappers import Response

from folio.core.events import DomainEvent, subscribe
from folio.core.outbound import OutboundPolicy, OutboundRefused, fetch
from folio.core.throttle import Throttle
from folio.core.uow import current_session, unit_of_work
from folio.models import now_utc
from folio.webhooks import payloads, rules, signing
from folio.webhooks.events import WebhookEndpointDisabled
from folio.webhooks.models import WebhookDelivery
from folio.webhooks.rules import Outcome, WebhookSettings

log = logging.getLogger(__name__)

_AFTER_RESPONSE = "folio_webhooks_after_response"
_STATE = "folio_webhooks"
_SKIPPED_ENDPOINTS = frozenset({"static", "health.health"})


def webhook_settings() -> WebhookSettings:
    config = current_app.config
    return WebhookSettings(
        retry_delays=tuple(int(s) for s in config["WEBHOOK_RETRY_DELAYS"]),
        disable_after=int(config["WEBHOOK_DISABLE_AFTER_FAILURES"]),
        claim_seconds=int(config["WEBHOOK_CLAIM_SECONDS"]),
        secret_overlap_seconds=int(config["WEBHOOK_SECRET_OVERLAP_SECONDS"]),
        max_endpoints_per_user=int(config["WEBHOOK_MAX_ENDPOINTS"]),
    )


def outbound_policy() -> OutboundPolicy:
    return OutboundPolicy.from_config(current_app.config)


# --- from domain events to deliveries ---------------------------------------------------


def _article_url(slug: str) -> str:
    from folio.tasks import external_url

    return external_url(str(current_app.config["PUBLIC_URL"]), "web.article", slug=slug)


def _on_domain_event(event: DomainEvent) -> None:
    with unit_of_work() as uow:
        if not rules.any_enabled_endpoint(uow.session):
            return
        described = payloads.describe(uow.session, event, _article_url)
        if described is None:
            return
        endpoints = rules.matching_endpoints(
            uow.session, described.event_type, described.concerns_user_id
        )
        body = rules.payload_text(
            event.event_id, described.event_type, event.occurred_at, described.data
        )
        created = rules.fan_out(uow.session, endpoints, event.event_id, described.event_type, body)
    send_soon(created)


def _on_endpoint_disabled(event: WebhookEndpointDisabled) -> None:
    from folio.tasks import run_task

    run_task("notify_webhook_disabled", event.endpoint_id, event.event_id)


# --- when the deliveries go out ------------------------------------------------------------


def send_soon(delivery_ids: list[int]) -> None:
    """Queue each delivery; without a broker, send them after this request's response
    (or now, outside a request: a command, a task)."""
    from folio.tasks import run_task

    if not delivery_ids:
        return
    if not current_app.extensions["celery"].conf.task_always_eager:
        for delivery_id in delivery_ids:
            run_task("deliver_webhook", delivery_id)
    elif has_request_context():
        g.setdefault(_AFTER_RESPONSE, []).extend(delivery_ids)
    else:
        for delivery_id in delivery_ids:
            deliver_quietly(delivery_id)


def _send_after_response(response: Response) -> Response:
    waiting = g.pop(_AFTER_RESPONSE, None)
    if waiting:
        # The real app, not the proxy: the request's context is gone when this runs.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: _deliver_in_context(app, list(waiting)))
    return response


def _deliver_in_context(app: Flask, delivery_ids: list[int]) -> None:
    with app.app_context():
        for delivery_id in delivery_ids:
            deliver_quietly(delivery_id)


def deliver_quietly(delivery_id: int) -> str:
    """:func:`deliver_now`, logging a failure instead of raising it (after a response,
    nobody is left to answer)."""
    try:
        return deliver_now(delivery_id)
    except Exception:
        log.exception("webhook delivery %s failed", delivery_id)
        try:
            current_session().rollback()
        except Exception:
            log.exception("rollback after webhook delivery %s failed", delivery_id)
        return "error"


@dataclass(frozen=True)
class _Request:
    url: str
    body: str
    message_id: str
    secrets: list[str]


def deliver_now(delivery_id: int) -> str:
    """One attempt of a due delivery: ``delivered``, ``failed`` (a retry is scheduled or
    it was given up) or ``skipped`` (not due, done, or claimed by someone else)."""
    settings = webhook_settings()
    with unit_of_work() as uow:
        token = rules.claim(uow.session, delivery_id, settings)
        if token is None:
            return "skipped"
        delivery = uow.session.get(WebhookDelivery, delivery_id, populate_existing=True)
        assert delivery is not None  # noqa: S101 - just claimed
        endpoint = delivery.endpoint
        outgoing = _Request(
            endpoint.url,
            delivery.payload,
            delivery.event_id,
            rules.secrets_in_use(endpoint, now_utc()),
        )
    # The claim is committed: no transaction is held while the receiver takes its time.
    outcome = send(outgoing.url, outgoing.body, outgoing.message_id, outgoing.secrets)
    with unit_of_work() as uow:
        done = rules.record_attempt(uow.session, delivery_id, token, outcome, settings)
    if done is None:
        return "skipped"
    return "delivered" if outcome.succeeded else "failed"


def send(url: str, body: str, message_id: str, secrets: list[str]) -> Outcome:
    """POST the signed body through the outbound guard; what came back."""
    headers = signing.signed_headers(message_id, body, now_utc(), secrets)
    started = time.monotonic()
    try:
        response = fetch(url, outbound_policy(), method="POST", headers=headers, body=body.encode())
    except OutboundRefused as exc:
        return Outcome(None, _elapsed_ms(started), error=_explain(exc))
    snippet = response.body[: rules.SNIPPET_MAX * 4].decode("utf-8", "replace")
    return Outcome(response.status, _elapsed_ms(started), snippet=snippet[: rules.SNIPPET_MAX])


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _explain(exc: OutboundRefused) -> str:
    text = str(exc)
    if "Timeout" in text:
        return f"timed out ({text})"
    if "NewConnectionError" in text or "ConnectionError" in text:
        return f"connection refused or failed ({text})"
    return text


# --- due retries ------------------------------------------------------------------------------


def deliver_due() -> dict[str, int]:
    """Attempt every due delivery here, one after the other; counts by outcome."""
    counts: dict[str, int] = {}
    for delivery_id in rules.due_delivery_ids(current_session()):
        outcome = deliver_quietly(delivery_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    current_session().rollback()
    return counts


def _due_after_response() -> None:
    """Without a broker nothing else runs retries: a request now and then hands the due
    ones to the after-response sender (one indexed look-up, throttled per process)."""
    app = current_app
    if not app.config.get("WEBHOOK_ON_REQUEST"):
        return
    if not app.extensions["celery"].conf.task_always_eager:
        return
    if (request.endpoint or "") in _SKIPPED_ENDPOINTS or not request.endpoint:
        return
    if not app.extensions[_STATE].due(float(app.config["WEBHOOK_CHECK_SECONDS"])):
        return
    try:
        due = rules.due_delivery_ids(current_session(), limit=50)
        current_session().rollback()
    except Exception:
        log.exception("looking for due webhook deliveries failed")
        return
    if due:
        g.setdefault(_AFTER_RESPONSE, []).extend(due)


def init_webhooks(app: Flask) -> None:
    """Connect the subscriber and the after-response sender; register the tasks."""
    from folio.webhooks import tasks  # noqa: F401 - registers folio.tasks.deliver_webhook etc.

    app.extensions[_STATE] = Throttle()
    app.before_request(_due_after_response)
    app.after_request(_send_after_response)
    subscribe(_on_domain_event, *payloads.SENT)
    subscribe(_on_endpoint_disabled, WebhookEndpointDisabled)  # type: ignore[arg-type]


def describe_settings(app: Flask) -> dict[str, Any]:
    """The delivery mode in words, for the pages and the command line."""
    eager = app.extensions["celery"].conf.task_always_eager
    return {"mode": "after the response" if eager else "Celery worker"}
