"""Webhook rules: who manages which endpoint, what a valid endpoint is, and the life of a
delivery (fan-out, claim, attempt, retry, give up, disable, redeliver).

No Flask here: the runner (:mod:`folio.webhooks.runner`) turns the app's config into
:class:`WebhookSettings` and an :class:`OutboundPolicy` and does the sending.
"""

from __future__ import annotations

import functools
import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import Session

from folio.core.errors import Conflict, NotFound, ValidationFailed
from folio.core.events import record
from folio.core.outbound import OutboundPolicy, OutboundRefused, resolve
from folio.i18n import N_
from folio.models import User, now_utc
from folio.webhooks import signing
from folio.webhooks.events import EVENT_TYPES, PING, SITE_ONLY_EVENTS, WebhookEndpointDisabled
from folio.webhooks.models import (
    DeliveryState,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

URL_MAX = 2000
DESCRIPTION_MAX = 200
SNIPPET_MAX = 500


@dataclass(frozen=True)
class WebhookSettings:
    """The ``WEBHOOK_*`` settings (defaults and meaning in config.py)."""

    # Seconds to wait before each retry; a chain has len(retry_delays) + 1 attempts.
    retry_delays: tuple[int, ...]
    # Failed attempts in a row after which an endpoint is switched off.
    disable_after: int
    # How long a claim holds: longer than any attempt can take.
    claim_seconds: int
    # How long the old secret keeps signing after a rotation.
    secret_overlap_seconds: int
    max_endpoints_per_user: int


@dataclass(frozen=True)
class Outcome:
    """What one attempt got back."""

    status_code: int | None
    latency_ms: int
    snippet: str | None = None
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# --- who sees what ----------------------------------------------------------------------


def can_manage(actor: User, endpoint: WebhookEndpoint) -> bool:
    """Site endpoints belong to the administrators; a writer's only to that writer."""
    if endpoint.scope == Scope.SITE.value:
        return actor.is_admin
    return endpoint.owner_id == actor.id


def get_endpoint(session: Session, actor: User, endpoint_id: int) -> WebhookEndpoint:
    """:raises NotFound: no such endpoint, or one the actor may not see (never a 403:
    a writer does not learn that another's endpoint exists)."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not can_manage(actor, endpoint):
        raise NotFound("webhook")
    return endpoint


def get_delivery(session: Session, actor: User, delivery_id: int) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or not can_manage(actor, delivery.endpoint):
        raise NotFound("delivery")
    return delivery


def list_endpoints(
    session: Session, actor: User, scope: Scope | None = None
) -> list[WebhookEndpoint]:
    """The endpoints ``actor`` manages (of one scope, or both), oldest first."""
    own = and_(WebhookEndpoint.scope == Scope.OWN.value, WebhookEndpoint.owner_id == actor.id)
    site = WebhookEndpoint.scope == Scope.SITE.value
    visible = {Scope.OWN: own, Scope.SITE: site}
    if scope is not None:
        if scope is Scope.SITE and not actor.is_admin:
            return []
        condition = visible[scope]
    else:
        condition = or_(own, site) if actor.is_admin else own
    return list(
        session.scalars(select(WebhookEndpoint).where(condition).order_by(WebhookEndpoint.id))
    )


# --- what a valid endpoint is -------------------------------------------------------------


def check_url(url: str, policy: OutboundPolicy) -> str:
    """The URL as it will be called, if the outbound guard would call it.

    :raises ValidationFailed: on ``url``: not http(s), credentials in it, too long, or
        a host that does not resolve or resolves to a loopback, private, link-local
        (cloud metadata) or otherwise non-public address.
    """
    url = (url or "").strip()
    if not url:
        raise ValidationFailed.on("url", N_("can't be blank"))
    if len(url) > URL_MAX:
        raise ValidationFailed.on("url", f"is longer than {URL_MAX} characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationFailed.on(
            "url", N_("must be an http(s) address such as https://example.com/hook")
        )
    if parts.username or parts.password:
        raise ValidationFailed.on("url", N_("must not carry a user name or password"))
    try:
        resolve(url, policy)
    except OutboundRefused as exc:
        raise ValidationFailed.on("url", f"is refused: {exc}") from exc
    return url


def check_events(events: Iterable[str], scope: Scope) -> list[str]:
    """The event types, known and allowed for the scope, in the canonical order.

    :raises ValidationFailed: on ``events``.
    """
    chosen = set(events)
    if not chosen:
        raise ValidationFailed.on("events", N_("choose at least one event"))
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed.on("events", f"unknown event type: {', '.join(unknown)}")
    if scope is Scope.OWN and chosen & set(SITE_ONLY_EVENTS):
        raise ValidationFailed.on("events", N_("user.registered is for site-wide webhooks only"))
    return [name for name in EVENT_TYPES if name in chosen]


def _check_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed.on("description", f"is longer than {DESCRIPTION_MAX} characters")
    return description


# --- managing endpoints -------------------------------------------------------------------


def create_endpoint(
    session: Session,
    actor: User,
    *,
    url: str,
    events: Iterable[str],
    policy: OutboundPolicy,
    settings: WebhookSettings,
    description: str | None = None,
    scope: Scope = Scope.OWN,
) -> WebhookEndpoint:
    """A new endpoint owned by ``actor``, with a new secret (``endpoint.secret``).

    :raises ValidationFailed: a bad URL, events or description, a site endpoint asked
        for by a writer, or too many endpoints.
    """
    if scope is Scope.SITE and not actor.is_admin:
        raise ValidationFailed.on("scope", N_("site-wide webhooks are for administrators"))
    owned = session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.owner_id == actor.id)
    )
    if (owned or 0) >= settings.max_endpoints_per_user:
        raise ValidationFailed.on("url", f"you have {owned} webhooks already, the most allowed")
    endpoint = WebhookEndpoint(
        owner_id=actor.id,
        scope=scope.value,
        url=check_url(url, policy),
        events=check_events(events, scope),
        description=_check_description(description),
        secret=signing.new_secret(),
        enabled=True,
        consecutive_failures=0,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def update_endpoint(
    session: Session,
    actor: User,
    endpoint: WebhookEndpoint,
    changes: dict[str, Any],
    policy: OutboundPolicy,
) -> WebhookEndpoint:
    """Change ``url``, ``events``, ``description`` and/or ``enabled`` (True re-enables).

    :raises NotFound: not the actor's endpoint.
    :raises ValidationFailed: a bad value, named by its field.
    """
    if not can_manage(actor, endpoint):
        raise NotFound("webhook")
    if "url" in changes and changes["url"] != endpoint.url:
        endpoint.url = check_url(changes["url"], policy)
    if "events" in changes:
        endpoint.events = check_events(changes["events"], Scope(endpoint.scope))
    if "description" in changes:
        endpoint.description = _check_description(changes["description"])
    if "enabled" in changes:
        if changes["enabled"]:
            reenable(session, actor, endpoint)
        elif endpoint.enabled:
            _disable(session, endpoint, N_("Switched off by hand."), notify=False)
    session.flush()
    return endpoint


def delete_endpoint(session: Session, actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its deliveries and their log."""
    if not can_manage(actor, endpoint):
        raise NotFound("webhook")
    session.delete(endpoint)
    session.flush()


def rotate_secret(
    session: Session, actor: User, endpoint: WebhookEndpoint, settings: WebhookSettings
) -> WebhookEndpoint:
    """A new secret; the current one keeps signing too (a second signature in the
    header) for ``secret_overlap_seconds``, so receivers can switch without a gap."""
    if not can_manage(actor, endpoint):
        raise NotFound("webhook")
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now_utc() + timedelta(
        seconds=settings.secret_overlap_seconds
    )
    endpoint.secret = signing.new_secret()
    session.flush()
    return endpoint


def secrets_in_use(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, then the previous one while its overlap lasts."""
    in_use = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        in_use.append(endpoint.previous_secret)
    return in_use


def reenable(session: Session, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Switch an endpoint back on: its count of failures starts again, and deliveries
    still waiting go out on the next run."""
    if not can_manage(actor, endpoint):
        raise NotFound("webhook")
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    endpoint.consecutive_failures = 0
    session.flush()
    return endpoint


def _disable(session: Session, endpoint: WebhookEndpoint, reason: str, *, notify: bool) -> None:
    endpoint.enabled = False
    endpoint.disabled_at = now_utc()
    endpoint.disabled_reason = reason
    if notify:
        record(
            session,
            WebhookEndpointDisabled(endpoint_id=endpoint.id, owner_id=endpoint.owner_id),
        )


# --- deliveries ---------------------------------------------------------------------------


def payload_text(
    event_id: str, event_type: str, occurred_at: datetime, data: dict[str, Any]
) -> str:
    """The JSON body every attempt sends (and signs) unchanged."""
    stamp = occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"id": event_id, "type": event_type, "timestamp": stamp, "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def any_enabled_endpoint(session: Session) -> bool:
    """Whether any endpoint could receive anything: most sites have none, and then a
    domain event needs no payload."""
    return session.scalar(_an_enabled_endpoint()) is not None


@functools.cache
def _an_enabled_endpoint() -> Select[int]:
    # Built once: every domain event a webhook could send asks it.
    return select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True)).limit(1)


def matching_endpoints(
    session: Session, event_type: str, concerns_user_id: int | None
) -> list[WebhookEndpoint]:
    """Enabled endpoints for ``event_type``: every site endpoint that asked for it, and
    the own endpoints of the writer it concerns (whose article it is)."""
    condition = WebhookEndpoint.scope == Scope.SITE.value
    if concerns_user_id is not None and event_type not in SITE_ONLY_EVENTS:
        condition = or_(
            condition,
            and_(
                WebhookEndpoint.scope == Scope.OWN.value,
                WebhookEndpoint.owner_id == concerns_user_id,
            ),
        )
    candidates = session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True), condition)
    )
    # A deactivated owner's endpoints, and site endpoints of a former admin, stay quiet.
    return [
        endpoint
        for endpoint in candidates
        if endpoint.receives(event_type)
        and endpoint.owner.is_active
        and (endpoint.scope != Scope.SITE.value or endpoint.owner.is_admin)
    ]


def fan_out(
    session: Session,
    endpoints: Sequence[WebhookEndpoint],
    event_id: str,
    event_type: str,
    payload: str,
) -> list[int]:
    """One pending delivery per endpoint for this event (none twice: the pair is unique,
    and a pair already there is left alone). The ids of the new deliveries."""
    if not endpoints:
        return []
    existing = set(
        session.scalars(
            select(WebhookDelivery.endpoint_id).where(
                WebhookDelivery.event_id == event_id,
                WebhookDelivery.endpoint_id.in_([e.id for e in endpoints]),
            )
        )
    )
    now = now_utc()
    created = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event_id,
            event_type=event_type,
            payload=payload,
            state=DeliveryState.PENDING.value,
            chain_attempts=0,
            next_attempt_at=now,
        )
        for endpoint in endpoints
        if endpoint.id not in existing
    ]
    session.add_all(created)
    session.flush()
    return [delivery.id for delivery in created]


def send_test(session: Session, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A ``ping`` delivery to one endpoint (also a disabled one: a test may show it is
    working again before it is switched back on)."""
    if not can_manage(actor, endpoint):
        raise NotFound("webhook")
    event_id = f"ping_{uuid.uuid4().hex}"
    data = {"message": "A test event from Folio.", "webhook": endpoint.id}
    payload = payload_text(event_id, PING, now_utc(), data)
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=PING,
        payload=payload,
        state=DeliveryState.PENDING.value,
        chain_attempts=0,
        next_attempt_at=now_utc(),
    )
    session.add(delivery)
    session.flush()
    return delivery


def redeliver(session: Session, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again: a new chain of attempts, the same ``webhook-id`` and body.

    :raises Conflict: it is being sent right now.
    """
    if not can_manage(actor, delivery.endpoint):
        raise NotFound("delivery")
    now = now_utc()
    if delivery.state == DeliveryState.SENDING.value and (
        delivery.claimed_until is not None and delivery.claimed_until > now
    ):
        raise Conflict.on("delivery", N_("is being sent right now; try again in a moment"))
    delivery.state = DeliveryState.PENDING.value
    delivery.chain_attempts = 0
    delivery.next_attempt_at = now
    delivery.claim_token = None
    delivery.claimed_until = None
    session.flush()
    return delivery


def _claimable(now: datetime) -> Any:
    enabled = select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True))
    return and_(
        or_(
            and_(
                WebhookDelivery.state == DeliveryState.PENDING.value,
                WebhookDelivery.next_attempt_at <= now,
            ),
            # A claim that ran out: its process died mid-attempt.
            and_(
                WebhookDelivery.state == DeliveryState.SENDING.value,
                WebhookDelivery.claimed_until < now,
            ),
        ),
        or_(WebhookDelivery.endpoint_id.in_(enabled), WebhookDelivery.event_type == PING),
    )


def claim(session: Session, delivery_id: int, settings: WebhookSettings) -> str | None:
    """Take a due delivery for one attempt: one conditional UPDATE, so of any number of
    processes trying at once exactly one gets it. The claim's token, or None (not due,
    done, or someone else's). The caller commits before sending."""
    now = now_utc()
    token = secrets.token_hex(16)
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, _claimable(now))
        .values(
            state=DeliveryState.SENDING.value,
            claim_token=token,
            claimed_until=now + timedelta(seconds=settings.claim_seconds),
        )
        .execution_options(synchronize_session=False)
    )
    return token if getattr(result, "rowcount", 0) == 1 else None


def due_delivery_ids(
    session: Session, limit: int = 500, endpoint_id: int | None = None
) -> list[int]:
    """Deliveries whose attempt is due (oldest first; of one endpoint, or all)."""
    condition = _claimable(now_utc())
    if endpoint_id is not None:
        condition = and_(condition, WebhookDelivery.endpoint_id == endpoint_id)
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(condition)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def record_attempt(
    session: Session,
    delivery_id: int,
    token: str,
    outcome: Outcome,
    settings: WebhookSettings,
) -> WebhookDelivery | None:
    """Log an attempt of a claimed delivery and decide what follows: done, a retry after
    the next delay, or given up; and the endpoint's failure count (switched off at
    ``disable_after`` in a row, its owner told). None if the claim was lost meanwhile."""
    delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None or delivery.claim_token != token:
        return None
    now = now_utc()
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            succeeded=outcome.succeeded,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_snippet=outcome.snippet,
            error=(outcome.error or "")[:500] or None,
        )
    )
    delivery.chain_attempts += 1
    delivery.claim_token = None
    delivery.claimed_until = None
    endpoint = delivery.endpoint
    if outcome.succeeded:
        delivery.state = DeliveryState.DELIVERED.value
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
    else:
        _after_failure(session, delivery, endpoint, now, settings)
    session.flush()
    return delivery


def _after_failure(
    session: Session,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    now: datetime,
    settings: WebhookSettings,
) -> None:
    retries_done = delivery.chain_attempts - 1
    if delivery.event_type != PING and retries_done < len(settings.retry_delays):
        delivery.state = DeliveryState.PENDING.value
        delivery.next_attempt_at = now + timedelta(seconds=settings.retry_delays[retries_done])
    else:
        delivery.state = DeliveryState.FAILED.value
        delivery.next_attempt_at = None
    endpoint.consecutive_failures += 1
    if endpoint.enabled and endpoint.consecutive_failures >= settings.disable_after:
        _disable(
            session,
            endpoint,
            f"Switched off after {endpoint.consecutive_failures} failed attempts in a row.",
            notify=True,
        )
