"""Tags in use on published articles, most used first."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, fields

from folio.api.common import ApiBlueprint, documents
from folio.api.paging import QueryArgs, page_schema, page_window
from folio.articles import queries as article_queries
from folio.core.uow import current_session

blp = ApiBlueprint(
    "tags",
    __name__,
    url_prefix="/api/v1",
    description="Tags of published articles; filter articles with `GET /articles?tag=`.",
)

TagPageSchema = page_schema("TagPage", fields.String(metadata={"example": "python"}))


@blp.route("/tags")
class Tags(MethodView):
    @blp.arguments(QueryArgs, location="query", unknown=RAISE)
    @blp.response(200, TagPageSchema)
    @blp.paginate()
    @documents(304, parameters=["IfNoneMatch"])
    def get(self, _args: dict[str, Any], pagination_parameters: PaginationParameters) -> Any:
        """Tags in use, most used first"""
        limit, offset = page_window(pagination_parameters)
        session = current_session()
        pagination_parameters.item_count = article_queries.count_tags(session)
        return article_queries.popular_tags(session, limit=limit, offset=offset)
