"""Standard Webhooks signatures (https://www.standardwebhooks.com/): the headers
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``, the last one
``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, one per secret in use,
space-separated. Signed with the ``standardwebhooks`` package receivers verify with.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh ``whsec_<base64>`` secret (32 random bytes, as the spec recommends 24-64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(
    message_id: str, body: str, at: datetime, secrets_in_use: Iterable[str]
) -> dict[str, str]:
    """The headers of one attempt: signed at ``at`` with every secret in use."""
    signatures = [Webhook(secret).sign(message_id, at, body) for secret in secrets_in_use]
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
