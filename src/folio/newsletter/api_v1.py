"""The newsletter in /api/v1: subscribe (anyone, rate limited), and a writer's list."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.api.paging import page_window
from folio.core.uow import current_session, transactional
from folio.models import User
from folio.newsletter import queries, rules
from folio.newsletter.schemas import (
    ListArgs,
    SubscribeAnswerSchema,
    SubscriberPageSchema,
    SubscribeSchema,
)
from folio.newsletter.subscribing import NEUTRAL_ANSWER, request_subscription
from folio.security import rate_limit

blp = ApiBlueprint(
    "newsletter",
    __name__,
    url_prefix="/api/v1",
    description="Email newsletters: readers subscribe (double opt-in); writers see and "
    "manage their subscribers.",
)


def _list_owner(user: User, which: str) -> int | None:
    author_id = None if which == "site" else user.id
    rules.check_list_access(user, author_id)
    return author_id


@blp.route("/newsletter/subscriptions")
class Subscriptions(MethodView):
    @rate_limit("NEWSLETTER")
    @blp.arguments(SubscribeSchema, example={"email": "reader@example.com", "author": "ada"})
    @blp.response(202, SubscribeAnswerSchema)
    @documents(400, 404, 413, 415, 422, 429)
    def post(self, args: dict[str, Any]) -> Any:
        """Subscribe an address to a writer (or the whole site): a confirmation link is
        mailed; the answer is the same whether or not the address was subscribed"""
        request_subscription(args["email"], args.get("author"))
        return {"message": NEUTRAL_ANSWER}


@blp.route("/newsletter/subscribers")
class Subscribers(MethodView):
    @auth_required
    @blp.arguments(ListArgs, location="query", unknown=RAISE)
    @blp.response(200, SubscriberPageSchema)
    @blp.paginate()
    @documents(403)
    def get(self, args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """Your subscribers (or the site's, for admins), newest first"""
        author_id = _list_owner(authenticated_user(), args["list"])
        limit, offset = page_window(pagination_parameters)
        items, total = queries.page(current_session(), author_id, limit=limit, offset=offset)
        pagination_parameters.item_count = total
        return items


@blp.route("/newsletter/subscribers/<int:subscriber_id>")
class SubscriberItem(MethodView):
    @auth_required
    @blp.arguments(ListArgs, location="query", unknown=RAISE)
    @blp.response(204)
    @documents(403, 404)
    @transactional
    def delete(self, args: dict[str, Any], subscriber_id: int) -> None:
        """Remove a subscriber from your list (or the site's, for admins)"""
        user = authenticated_user()
        author_id = _list_owner(user, args["list"])
        rules.remove_subscriber(current_session(), user, subscriber_id, author_id)
