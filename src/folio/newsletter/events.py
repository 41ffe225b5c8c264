"""What happens to newsletter lists. No public page changes with them."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class SubscriberConfirmed(DomainEvent):
    """An address joined an author's list (``author_id``) or the site's (None)."""

    NAME = "newsletter.subscribed"
    CHANGES_PUBLIC_DATA = False
    subscriber_id: int
    author_id: int | None


@dataclass(frozen=True, kw_only=True)
class AddressUnsubscribed(DomainEvent):
    """An address left every list, by its one-click link."""

    NAME = "newsletter.unsubscribed"
    CHANGES_PUBLIC_DATA = False
    removed: int


@dataclass(frozen=True, kw_only=True)
class SubscriberRemoved(DomainEvent):
    """A writer (or an admin, for the site's list) removed an address."""

    NAME = "newsletter.subscriber_removed"
    CHANGES_PUBLIC_DATA = False
    subscriber_id: int
    author_id: int | None
