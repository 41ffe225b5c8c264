"""The /api/v1 shapes of webhooks. Inputs list their fields: nothing else can be set."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from folio.api.common import ChangesSchema, StrictBoolean
from folio.webhooks.events import EVENT_TYPES
from folio.webhooks.models import Scope
from folio.webhooks.rules import DESCRIPTION_MAX, URL_MAX


def _events(**options: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata={
            "description": "Event types to receive. `user.registered` only for `site` webhooks.",
            "example": ["article.published", "comment.created"],
        },
        **options,
    )


def _url(**options: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, max=URL_MAX),
        metadata={
            "description": "Where deliveries are POSTed: a public https address (loopback, "
            "private and metadata addresses are refused).",
            "example": "https://hooks.example.com/folio",
        },
        **options,
    )


class WebhookCreateSchema(Schema):
    url = _url(required=True)
    events = _events(required=True)
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    scope = fields.String(
        load_default=Scope.OWN.value,
        validate=validate.OneOf([s.value for s in Scope]),
        metadata={
            "description": "`own` (default): events about your articles and the comments on "
            "them. `site` (administrators): every event on the site."
        },
    )


class WebhookUpdateSchema(ChangesSchema):
    url = _url()
    events = _events()
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    enabled = StrictBoolean(metadata={"description": "`true` switches a disabled webhook back on."})


class WebhookSchema(Schema):
    """Dumps a ``WebhookEndpoint`` (never its secret: see create and rotate-secret)."""

    id = fields.Integer(required=True)
    scope = fields.String(required=True)
    url = fields.String(required=True)
    description = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    enabled = fields.Boolean(required=True)
    disabled_at = fields.DateTime(allow_none=True, required=True)
    disabled_reason = fields.String(allow_none=True, required=True)
    consecutive_failures = fields.Integer(required=True)
    previous_secret_expires_at = fields.DateTime(
        allow_none=True,
        required=True,
        metadata={"description": "Until when the secret before the last rotation signs too."},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(
        required=True,
        metadata={
            "description": "`whsec_<base64>`: verify deliveries with it (Standard Webhooks). "
            "Shown on creation and rotation only."
        },
    )


class SecretSchema(Schema):
    secret = fields.String(required=True)
    previous_secret_expires_at = fields.DateTime(allow_none=True, required=True)


class AttemptSchema(Schema):
    attempted_at = fields.DateTime(required=True)
    succeeded = fields.Boolean(required=True)
    status_code = fields.Integer(allow_none=True, required=True)
    latency_ms = fields.Integer(required=True)
    response_snippet = fields.String(
        allow_none=True, required=True, metadata={"description": "The first 500 characters."}
    )
    error = fields.String(allow_none=True, required=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    webhook_id = fields.Integer(attribute="endpoint_id", required=True)
    event_id = fields.String(required=True, metadata={"description": "The `webhook-id`."})
    event_type = fields.String(required=True)
    state = fields.String(
        required=True, metadata={"description": "`pending`, `sending`, `delivered` or `failed`."}
    )
    next_attempt_at = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    payload = fields.Method("_payload", required=True, metadata={"type": "object"})
    attempts = fields.List(fields.Nested(AttemptSchema), required=True)

    def _payload(self, delivery: object) -> object:
        return delivery.payload_dict()  # type: ignore[attr-defined]
