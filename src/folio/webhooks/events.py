"""What webhooks send, and what happens to endpoints.

``EVENT_TYPES`` are the event types an endpoint can subscribe to: the ``NAME`` of the
domain events of other areas (mapped by one subscriber in :mod:`folio.webhooks.runner`).
"""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent

ARTICLE_EVENTS = ("article.published", "article.updated", "article.unpublished", "article.deleted")
COMMENT_EVENTS = ("comment.created", "comment.deleted")
SITE_ONLY_EVENTS = ("user.registered",)
EVENT_TYPES = (*ARTICLE_EVENTS, *COMMENT_EVENTS, *SITE_ONLY_EVENTS)
# A test event, sent on request to one endpoint ("Send test event").
PING = "ping"


@dataclass(frozen=True, kw_only=True)
class WebhookEndpointDisabled(DomainEvent):
    """An endpoint failed too often and was switched off; its owner is told."""

    NAME = "webhook.disabled"
    CHANGES_PUBLIC_DATA = False
    endpoint_id: int
    owner_id: int
