"""What /api/v1's newsletter operations take and answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from folio.api.paging import QueryArgs, page_schema
from folio.newsletter.models import EMAIL_MAX


class SubscribeSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=EMAIL_MAX),
        metadata={"description": "The reader's address; a confirmation link is mailed to it."},
    )
    author = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=30),
        metadata={
            "description": "The username of the writer to subscribe to; null or absent: every "
            "new article on the site."
        },
    )


class SubscribeAnswerSchema(Schema):
    message = fields.String(required=True)


class SubscriberSchema(Schema):
    """Dumps a ``Subscriber``."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    created_at = fields.DateTime(required=True, metadata={"description": "When it confirmed."})
    source = fields.String(required=True, metadata={"description": "`form`, `api` or `import`."})


SubscriberPageSchema = page_schema("SubscriberPage", SubscriberSchema)


class ListArgs(QueryArgs):
    list = fields.String(
        load_default="mine",
        validate=validate.OneOf(["mine", "site"]),
        metadata={"description": "`mine` (your subscribers) or `site` (the site's; admins)."},
    )
