"""Your articles' figures in /api/v1: overall, and per article (its author only)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.core.uow import current_session
from folio.stats import queries, runner
from folio.stats.schemas import StatsArgs, StatsSchema

blp = ApiBlueprint(
    "stats",
    __name__,
    url_prefix="/api/v1",
    description="Views, unique visitors, referrers, new favorites and subscribers of your "
    "articles over the last 7, 30 or 90 days (counted without cookies; bots left out).",
)


def _report(scope: queries.Scope, days: int) -> queries.Report:
    return queries.report(
        current_session(), scope, days=days, today=runner.today(), live=runner.live_counts()
    )


@blp.route("/me/stats")
class MyStats(MethodView):
    @auth_required
    @blp.arguments(StatsArgs, location="query", unknown=RAISE)
    @blp.response(200, StatsSchema)
    @documents(422)
    def get(self, args: dict[str, Any]) -> Any:
        """Figures of all your articles"""
        user = authenticated_user()
        return _report(queries.Scope(author_id=user.id), args["days"])


@blp.route("/articles/<string:slug>/stats")
class ArticleStats(MethodView):
    @auth_required
    @blp.arguments(StatsArgs, location="query", unknown=RAISE)
    @blp.response(200, StatsSchema)
    @documents(403, 404, 422)
    def get(self, args: dict[str, Any], slug: str) -> Any:
        """Figures of one of your articles (403 for someone else's)"""
        article = queries.own_article(current_session(), authenticated_user(), slug)
        return _report(queries.Scope(article_id=article.id), args["days"])
