"""Comments under an article."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, Schema, fields, validate

from folio.accounts.api_v1 import ProfileSchema
from folio.api.common import (
    ApiBlueprint,
    auth_optional,
    auth_required,
    authenticated_user,
    current_user,
    documents,
)
from folio.api.paging import QueryArgs, page_schema, page_window
from folio.articles import queries as article_queries
from folio.comments import rules as comments
from folio.comments.rules import COMMENT_MAX, CommentListing
from folio.core.uow import current_session, transactional
from folio.security import rate_limit

blp = ApiBlueprint(
    "comments",
    __name__,
    url_prefix="/api/v1/articles/<string:slug>/comments",
    description="Comments on an article, oldest first.",
)


class CommentCreateSchema(Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(min=1, max=COMMENT_MAX),
        metadata={"example": "Thanks, this helped."},
    )


class CommentSchema(Schema):
    """A comment as its viewer sees it. Dumps a ``CommentView``."""

    id = fields.Integer(required=True)
    body = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    author = fields.Nested(ProfileSchema, required=True)


CommentPageSchema = page_schema("CommentPage", CommentSchema)


@blp.route("")
class Comments(MethodView):
    @auth_optional
    @blp.arguments(QueryArgs, location="query", unknown=RAISE)
    @blp.response(200, CommentPageSchema)
    @blp.paginate()
    @documents(304, 404, parameters=["IfNoneMatch"])
    def get(
        self, _args: dict[str, Any], slug: str, pagination_parameters: PaginationParameters
    ) -> Any:
        """Comments on an article, oldest first"""
        limit, offset = page_window(pagination_parameters)
        viewer = current_user()
        article = article_queries.get_article(current_session(), viewer, slug)
        listed = comments.list_comments(current_session(), viewer, article)
        pagination_parameters.item_count = len(listed)
        return [listing.view for listing in listed[offset : offset + limit]]

    @rate_limit("COMMENT")
    @auth_required
    @blp.arguments(CommentCreateSchema, example={"body": "Thanks, this helped."})
    @blp.response(201, CommentSchema)
    @documents(400, 404, 413, 415, 429)
    @transactional
    def post(self, args: dict[str, Any], slug: str) -> Any:
        """Comment on an article"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        comment = comments.add_comment(current_session(), user, article, args["body"])
        body = CommentListing(comment, following=False).view
        return body, 201


# Ids past a 64-bit integer cannot exist (and would overflow the database driver).
@blp.route("/<int(min=1, max=9223372036854775807):comment_id>")
class CommentItem(MethodView):
    @auth_required
    @blp.response(204)
    @documents(403, 404)
    @transactional
    def delete(self, slug: str, comment_id: int) -> None:
        """Delete a comment (its author, the article's author or an admin)"""
        user = authenticated_user()
        article = article_queries.get_article(current_session(), user, slug)
        comments.delete_comment(current_session(), user, article, comment_id)
