"""Webhook endpoints, their deliveries (one per endpoint and event) and each attempt."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from folio.accounts.models import User
from folio.core.models import Base, TimestampMixin, UTCDateTime, now_utc


class Scope(enum.StrEnum):
    # Every event on the site (administrators only).
    SITE = "site"
    # Events about the owner's own articles and the comments on them.
    OWN = "own"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    SENDING = "sending"  # claimed by one process until ``claimed_until``
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt of its chain failed: given up


class WebhookEndpoint(TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scope: Mapped[str] = mapped_column(String(8), nullable=False, default=Scope.OWN.value)
    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # The event types it receives, e.g. ["article.published", "comment.created"].
    events: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # ``whsec_<base64>``: kept readable because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    # After a rotation the old secret signs too, until ``previous_secret_expires_at``.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    # Failed attempts in a row (any delivery); a success sets it back to 0.
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    owner: Mapped[User] = relationship(lazy="joined")

    def receives(self, event_type: str) -> bool:
        return event_type in (self.events or [])


class WebhookDelivery(Base):
    """One event for one endpoint. The unique pair makes a second fan-out of the same
    event (two processes, a redelivered message) create nothing."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
        Index("ix_webhook_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False
    )
    # The ``webhook-id`` header and the payload's ``id``: the same on every attempt.
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event_type: Mapped[str] = mapped_column(String(64), nullable=False)
    # The exact JSON text sent (and signed) on every attempt.
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(
        String(16), nullable=False, default=DeliveryState.PENDING.value
    )
    # Attempts in the current chain (a manual redeliver starts a new chain at 0).
    chain_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who is sending it now, and until when their claim holds (a crashed worker's
    # claim runs out and the delivery is taken again).
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempts: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="delivery",
    )

    def payload_dict(self) -> dict[str, Any]:
        return dict(json.loads(self.payload))


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False, index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The first characters of the receiver's answer, as text (escaped wherever shown).
    response_snippet: Mapped[str | None] = mapped_column(Text)
    # Why nothing came back: a timeout, a refused connection, the outbound guard.
    error: Mapped[str | None] = mapped_column(String(500))

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")
