"""The signed links a newsletter mail carries: confirm a subscription, unsubscribe.

Both are signed with ``SECRET_KEY`` (old keys from ``SECRET_KEY_FALLBACKS`` still verify,
as notifications.py's links do). A confirmation link carries the address and the list,
and expires (``NEWSLETTER_CONFIRM_MAX_AGE``): until it is used nothing is stored. An
unsubscribe link carries only the address and never expires (RFC 8058 asks that it keep
working).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from folio.tasks import external_url

_CONFIRM_SALT = "folio.newsletter.confirm"
_UNSUBSCRIBE_SALT = "folio.newsletter.unsubscribe"


class InvalidLink(Exception):
    """A forged, altered or expired link; ``expired`` tells which."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Confirmation:
    email: str
    author_id: int | None


def _keys() -> list[str]:
    config = current_app.config
    # itsdangerous signs with the last key and accepts all: rotated keys keep old links.
    return [*reversed(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]


def confirmation_token(email: str, author_id: int | None) -> str:
    return str(URLSafeTimedSerializer(_keys(), salt=_CONFIRM_SALT).dumps([email, author_id]))


def read_confirmation(token: str) -> Confirmation:
    """:raises InvalidLink: forged, altered, or older than the configured age."""
    max_age = int(current_app.config["NEWSLETTER_CONFIRM_MAX_AGE"])
    try:
        data: Any = URLSafeTimedSerializer(_keys(), salt=_CONFIRM_SALT).loads(
            token, max_age=max_age
        )
    except SignatureExpired as exc:
        raise InvalidLink(expired=True) from exc
    except BadSignature as exc:
        raise InvalidLink() from exc
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str)):
        raise InvalidLink()
    author_id = data[1]
    if author_id is not None and not isinstance(author_id, int):
        raise InvalidLink()
    return Confirmation(email=data[0], author_id=author_id)


def unsubscribe_token(email: str) -> str:
    return str(URLSafeSerializer(_keys(), salt=_UNSUBSCRIBE_SALT).dumps(email))


def read_unsubscribe(token: str) -> str:
    """The address an unsubscribe link stands for. :raises InvalidLink: forged."""
    try:
        email = URLSafeSerializer(_keys(), salt=_UNSUBSCRIBE_SALT).loads(token)
    except BadSignature as exc:
        raise InvalidLink() from exc
    if not isinstance(email, str):
        raise InvalidLink()
    return email


def confirm_url(email: str, author_id: int | None) -> str:
    token = confirmation_token(email, author_id)
    return external_url("", "web.newsletter_confirm", token=token)


def unsubscribe_url(email: str) -> str:
    return external_url("", "web.newsletter_unsubscribe", token=unsubscribe_token(email))


def unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the link.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
