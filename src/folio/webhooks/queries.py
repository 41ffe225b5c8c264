"""Read models of the webhooks: an endpoint's deliveries with their attempts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from folio.webhooks.models import WebhookDelivery, WebhookEndpoint


def list_deliveries(
    session: Session, endpoint: WebhookEndpoint, *, limit: int, offset: int
) -> tuple[list[WebhookDelivery], int]:
    """An endpoint's deliveries, newest first, with their attempts (two queries); the total."""
    deliveries = list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .options(selectinload(WebhookDelivery.attempts))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    total = session.scalar(
        select(func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
    )
    return deliveries, int(total or 0)
