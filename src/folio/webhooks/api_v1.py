"""Webhooks in /api/v1: your endpoints (and the site's, for administrators), their
deliveries, redelivery, test events and secret rotation."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.api.paging import QueryArgs, page_schema, page_window
from folio.core.uow import current_session, transactional, unit_of_work
from folio.security import rate_limit
from folio.webhooks import queries, rules
from folio.webhooks.models import Scope
from folio.webhooks.runner import outbound_policy, send_soon, webhook_settings
from folio.webhooks.schemas import (
    DeliverySchema,
    SecretSchema,
    WebhookCreateSchema,
    WebhookSchema,
    WebhookUpdateSchema,
    WebhookWithSecretSchema,
)

blp = ApiBlueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Signed webhooks (Standard Webhooks): Folio POSTs a JSON event to your URL "
    "when articles and comments change. Verify `webhook-signature` with the secret.",
)

DeliveryPageSchema = page_schema("WebhookDeliveryPage", DeliverySchema)
# Ids are INTEGER columns: a larger one cannot exist (and PostgreSQL would refuse it).
ID = "int(min=1, max=2147483647)"


def _endpoint(endpoint_id: int) -> Any:
    return rules.get_endpoint(current_session(), authenticated_user(), endpoint_id)


@blp.route("")
class Webhooks(MethodView):
    @auth_required
    @blp.response(200, WebhookSchema(many=True))
    def get(self) -> Any:
        """Your webhooks (and the site's, for administrators), oldest first"""
        return rules.list_endpoints(current_session(), authenticated_user())

    @rate_limit("WEBHOOK")
    @auth_required
    @blp.arguments(
        WebhookCreateSchema,
        example={"url": "https://hooks.example.com/folio", "events": ["article.published"]},
    )
    @blp.response(201, WebhookWithSecretSchema)
    @documents(400, 413, 415, 429)
    @transactional
    def post(self, args: dict[str, Any]) -> Any:
        """Add a webhook; the answer carries its secret, shown this once"""
        endpoint = rules.create_endpoint(
            current_session(),
            authenticated_user(),
            url=args["url"],
            events=args["events"],
            description=args.get("description"),
            scope=Scope(args["scope"]),
            policy=outbound_policy(),
            settings=webhook_settings(),
        )
        location = url_for("webhooks.WebhookItem", endpoint_id=endpoint.id)
        return endpoint, 201, {"Location": location}


@blp.route(f"/<{ID}:endpoint_id>")
class WebhookItem(MethodView):
    @auth_required
    @blp.response(200, WebhookSchema)
    @documents(404)
    def get(self, endpoint_id: int) -> Any:
        """A webhook"""
        return _endpoint(endpoint_id)

    @auth_required
    @blp.arguments(WebhookUpdateSchema, example={"events": ["article.published"]})
    @blp.response(200, WebhookSchema)
    @documents(400, 404, 413, 415)
    @transactional
    def patch(self, args: dict[str, Any], endpoint_id: int) -> Any:
        """Change a webhook's URL, events or description, or switch it on or off"""
        endpoint = _endpoint(endpoint_id)
        return rules.update_endpoint(
            current_session(), authenticated_user(), endpoint, args, outbound_policy()
        )

    @auth_required
    @blp.response(204)
    @documents(404)
    @transactional
    def delete(self, endpoint_id: int) -> None:
        """Delete a webhook with its delivery log"""
        rules.delete_endpoint(current_session(), authenticated_user(), _endpoint(endpoint_id))


@blp.route(f"/<{ID}:endpoint_id>/rotate-secret")
class RotateSecret(MethodView):
    @auth_required
    @blp.response(200, SecretSchema)
    @documents(404)
    @transactional
    def post(self, endpoint_id: int) -> Any:
        """A new secret; the old one keeps signing too for 24 hours"""
        return rules.rotate_secret(
            current_session(), authenticated_user(), _endpoint(endpoint_id), webhook_settings()
        )


@blp.route(f"/<{ID}:endpoint_id>/deliveries")
class Deliveries(MethodView):
    @auth_required
    @blp.arguments(QueryArgs, location="query", unknown=RAISE)
    @blp.response(200, DeliveryPageSchema)
    @blp.paginate()
    @documents(404)
    def get(
        self, _args: dict[str, Any], endpoint_id: int, pagination_parameters: PaginationParameters
    ) -> Any:
        """A webhook's deliveries, newest first, each with its attempts"""
        limit, offset = page_window(pagination_parameters)
        deliveries, total = queries.list_deliveries(
            current_session(), _endpoint(endpoint_id), limit=limit, offset=offset
        )
        pagination_parameters.item_count = total
        return deliveries


@blp.route(f"/deliveries/<{ID}:delivery_id>/redeliver")
class Redeliver(MethodView):
    @rate_limit("WEBHOOK")
    @auth_required
    @blp.response(202, DeliverySchema)
    @documents(404, 409, 429)
    def post(self, delivery_id: int) -> Any:
        """Send a delivery again: a new chain of attempts, the same `webhook-id`"""
        user = authenticated_user()
        with unit_of_work() as uow:
            delivery = rules.get_delivery(uow.session, user, delivery_id)
            rules.redeliver(uow.session, user, delivery)
        # After the commit: queued for a worker, or sent after this response.
        send_soon([delivery.id])
        return delivery, 202


@blp.route(f"/<{ID}:endpoint_id>/test")
class SendTest(MethodView):
    @rate_limit("WEBHOOK")
    @auth_required
    @blp.response(202, DeliverySchema)
    @documents(404, 429)
    def post(self, endpoint_id: int) -> Any:
        """Send a `ping` event to the webhook"""
        with unit_of_work() as uow:
            delivery = rules.send_test(uow.session, authenticated_user(), _endpoint(endpoint_id))
        send_soon([delivery.id])
        return delivery, 202
