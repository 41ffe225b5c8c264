"""Celery tasks of the webhooks, named ``folio.tasks.<name>`` like every Folio task.

Each is idempotent: a delivery is claimed before it is sent, so a message delivered twice
(late acknowledgement after a lost worker) finds it done; the disable email has a key.
"""

from __future__ import annotations

from celery import shared_task

from folio.tasks import RETRYABLE, external_url, mail_once, run_task


@shared_task(name="folio.tasks.deliver_webhook")
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of a delivery, if it is due and nobody else has it."""
    from folio.webhooks.runner import deliver_now

    return deliver_now(delivery_id)


@shared_task(name="folio.tasks.deliver_due_webhooks")
def deliver_due_webhooks() -> int:
    """Queue every due delivery (beat runs it every ``WEBHOOK_BEAT_SECONDS``). Two beats
    queueing the same delivery are harmless: it is claimed by one attempt."""
    from folio.core.uow import current_session
    from folio.webhooks.rules import due_delivery_ids

    due = due_delivery_ids(current_session())
    current_session().rollback()
    for delivery_id in due:
        run_task("deliver_webhook", delivery_id)
    return len(due)


@shared_task(
    name="folio.tasks.notify_webhook_disabled",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def notify_webhook_disabled(endpoint_id: int, event_id: str) -> bool:
    """Tell an endpoint's owner that it was switched off, and where to switch it on."""
    from flask import current_app

    from folio.core.uow import current_session
    from folio.webhooks.models import Scope, WebhookEndpoint

    endpoint = current_session().get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.enabled:
        return False
    owner = endpoint.owner
    page = "web.admin_webhook" if endpoint.scope == Scope.SITE.value else "web.webhook"
    link = external_url(str(current_app.config["PUBLIC_URL"]), page, endpoint_id=endpoint.id)
    body = (
        f"Hello {owner.name},\n\nFolio stopped sending webhooks to {endpoint.url}:\n"
        f"{endpoint.disabled_reason}\n\n"
        "Deliveries are kept. Once the receiver works again, switch the webhook back on\n"
        f"(and send a test event first, if you like): {link}\n"
    )
    return mail_once(
        f"webhook-disabled:{event_id}", owner.email, "A webhook of yours was switched off", body
    )
