"""Outgoing email: one entry point for every face and task.

With ``MAIL_TO_LOG`` (development, tests) a message is written to the log instead of being
sent, and the testing profile also keeps it in ``app.extensions["folio_outbox"]`` so tests
can follow the links it carries. Otherwise it goes out over SMTP with Flask-Mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    # An HTML alternative to ``body`` (newsletters); None: plain text only.
    html: str | None = None


def outbox() -> list[OutgoingMail]:
    """Messages recorded by this app (testing profile only)."""
    return current_app.extensions.setdefault("folio_outbox", [])


def send_mail(
    to: str,
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> None:
    """Send one message now (callers queue it after their commit): plain text, and an
    HTML alternative when ``html`` is given.

    :param headers: extra headers, e.g. ``List-Unsubscribe`` on notifications.
    """
    message = OutgoingMail(
        to=to, subject=subject, body=body, headers=dict(headers or {}), html=html
    )
    if current_app.testing:
        outbox().append(message)
    if current_app.config.get("MAIL_TO_LOG"):
        # Development: the link is in the log, where the developer can click it.
        log.info("email to %s: %s\n%s", to, subject, body)
        return
    from flask_mail import Message

    from folio.extensions import mail

    mail.send(
        Message(
            subject=subject,
            recipients=[to],
            body=body,
            html=html,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            extra_headers=message.headers or None,
        )
    )
