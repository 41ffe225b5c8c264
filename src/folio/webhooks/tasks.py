"""Celery tasks of the webhooks, named ``folio.tasks.<name>`` like every Folio task.

Each is idempotent: a delivery is claimed before it is sent, so a message delivered twice
(late acknowledgement after a lost worker) finds it done; the disable email has a key.
"""

from __future__ import annotations

import re

from celery import shared_task
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from folio.tasks import RETRYABLE, external_url, mail_once, run_task

# How folio.webhooks.rules words an automatic switch-off (kept in English: the API gives
# it); the pages and the email say it in the reader's language.
_FAILED_IN_A_ROW = re.compile(r"^Switched off after (\d+) failed attempts in a row\.$")


def disabled_reason(reason: str | None) -> str:
    """Why an endpoint was switched off, in the current locale ("" when it says nothing)."""
    if not reason:
        return ""
    found = _FAILED_IN_A_ROW.match(reason)
    if found:
        count = int(found.group(1))
        return ngettext(
            "Switched off after %(num)d failed attempt in a row.",
            "Switched off after %(num)d failed attempts in a row.",
            count,
        )
    return _(reason)


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
    from folio.i18n.setup import mail_locale
    from folio.webhooks.models import Scope, WebhookEndpoint

    endpoint = current_session().get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.enabled:
        return False
    owner = endpoint.owner
    page = "web.admin_webhook" if endpoint.scope == Scope.SITE.value else "web.webhook"
    link = external_url(str(current_app.config["PUBLIC_URL"]), page, endpoint_id=endpoint.id)
    with force_locale(mail_locale(owner.locale)):
        subject = _("A webhook of yours was switched off")
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=owner.name),
                _("Folio stopped sending webhooks to %(url)s:", url=endpoint.url)
                + "\n"
                + disabled_reason(endpoint.disabled_reason),
                _(
                    "Deliveries are kept. Once the receiver works again, switch the webhook "
                    "back on (and send a test event first, if you like): %(link)s",
                    link=link,
                )
                + "\n",
            ]
        )
    return mail_once(f"webhook-disabled:{event_id}", owner.email, subject, body)
