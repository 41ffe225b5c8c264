"""Tags in use on published articles, most used first."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import fields

from folio.api.common import (
    ApiBlueprint,
    PageArgs,
    documents,
    page_schema,
    page_size,
    paginated,
)
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
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TagPageSchema)
    @documents(304, parameters=["IfNoneMatch"], headers=["Link"])
    def get(self, args: dict[str, Any]) -> Any:
        """Tags in use, most used first"""
        size = page_size(args)
        page = int(args["page"])
        names = article_queries.popular_tags(
            current_session(), limit=size, offset=(page - 1) * size
        )
        return paginated(
            names, total=article_queries.count_tags(current_session()), page=page, size=size
        )
