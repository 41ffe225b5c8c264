"""Domain events: what happened, recorded by the rules, dispatched after the commit.

A rule records an event on the session it was given (:func:`record`); the unit of work
(:mod:`folio.core.uow`) commits once and then hands every recorded event to its
subscribers through one blinker signal, the event's class as sender (as Indico's
``signals.category.created.send(category)``). A rollback drops what was recorded, so a
failed write has no effects. The same happens in a request, a ``flask`` command and a
Celery task: whatever opens the unit of work.

Subscribers are connected by the app factory, never by importing a module.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from blinker import ANY, Namespace
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "folio.events"
_signals = Namespace()
# Sent once per event after its unit of work committed; sender: the event's class.
happened = _signals.signal("folio.domain-event")


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened to Folio's data. Events carry ids, never ORM objects:
    subscribers run after the commit, in another session or another process."""

    # A stable dotted name, e.g. ``article.published``: what webhooks and logs show.
    NAME: ClassVar[str] = "event"
    # False for events after which every public page is still what it was.
    CHANGES_PUBLIC_DATA: ClassVar[bool] = True

    event_id: str = field(default_factory=_new_id)
    occurred_at: datetime = field(default_factory=_now)

    @property
    def name(self) -> str:
        return self.NAME


@dataclass(frozen=True, kw_only=True)
class ContentChanged(DomainEvent):
    """Many rows changed at once (demo content, an import): every cached read is stale."""

    NAME = "site.content_changed"


Subscriber = Callable[[DomainEvent], None]
BatchSubscriber = Callable[[Sequence[DomainEvent]], None]


def record(session: Session, event: DomainEvent) -> None:
    """Keep ``event`` until ``session``'s unit of work commits (or drop it on rollback)."""
    session.info.setdefault(_PENDING, []).append(event)


def take(session: Session) -> list[DomainEvent]:
    """The events recorded on ``session`` since the last take, forgetting them."""
    return list(session.info.pop(_PENDING, []))


def subscribe(subscriber: Subscriber, *event_types: type[DomainEvent]) -> None:
    """Call ``subscriber(event)`` after the commit for each event of these types (of
    every type when none is named). Connecting the same function again changes nothing."""

    def receiver(_sender: Any, event: DomainEvent) -> None:
        subscriber(event)

    # One receiver per (subscriber, type): blinker keys receivers by identity, so keep
    # them in a registry to make a second subscribe a no-op.
    for sender in event_types or (ANY,):
        key = (subscriber, sender)
        if key in _receivers:
            continue
        _receivers[key] = receiver
        happened.connect(receiver, sender=sender, weak=False)


_receivers: dict[tuple[Subscriber, Any], Callable[..., None]] = {}


def subscribe_batches(subscriber: BatchSubscriber) -> None:
    """Call ``subscriber(events)`` once per dispatch that has any event, before each event
    goes to its own subscribers: for an effect one commit needs once, however many
    events it recorded (an article created and published at once). Connecting the same
    function again changes nothing."""
    if subscriber not in _batch_subscribers:
        _batch_subscribers.append(subscriber)


_batch_subscribers: list[BatchSubscriber] = []


def dispatch(events: Iterable[DomainEvent]) -> None:
    """Hand the events to their subscribers. The data is committed already, so a failing
    subscriber is logged and the others still run."""
    events = list(events)
    if not events:
        return
    for batch_subscriber in _batch_subscribers:
        try:
            batch_subscriber(events)
        except Exception:
            log.exception("subscriber of %s failed", ", ".join(e.name for e in events))
    for event in events:
        for receiver in happened.receivers_for(type(event)):
            try:
                receiver(type(event), event=event)
            except Exception:
                log.exception("subscriber of %s failed (event %s)", event.name, event.event_id)
