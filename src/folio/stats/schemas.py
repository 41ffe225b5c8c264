"""The figures in /api/v1 (they dump ``stats.queries.Report``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from folio.stats.queries import DEFAULT_PERIOD, PERIODS


class StatsArgs(Schema):
    days = fields.Integer(
        load_default=DEFAULT_PERIOD,
        validate=validate.OneOf(PERIODS),
        metadata={"description": "The period: the last 7, 30 or 90 days, today included."},
    )


class DayFigureSchema(Schema):
    day = fields.Date(required=True)
    views = fields.Integer(required=True)
    visitors = fields.Integer(required=True)


class ArticleFigureSchema(Schema):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    views = fields.Integer(required=True)
    visitors = fields.Integer(required=True)


class ReferrerFigureSchema(Schema):
    host = fields.String(
        required=True,
        metadata={"description": "The referring site's host; empty for direct visits."},
    )
    views = fields.Integer(required=True)


class StatsSchema(Schema):
    days = fields.Integer(required=True)
    start = fields.Date(required=True, metadata={"description": "First day (UTC)."})
    end = fields.Date(required=True, metadata={"description": "Last day (UTC): today."})
    views = fields.Integer(required=True, metadata={"description": "Page views."})
    visitors = fields.Integer(
        required=True,
        metadata={"description": "Unique visitors: each reader once per article per day."},
    )
    favorites = fields.Integer(required=True, metadata={"description": "New favorites."})
    subscribers = fields.Integer(
        required=True, metadata={"description": "New email subscribers (0 for one article)."}
    )
    series = fields.List(fields.Nested(DayFigureSchema), required=True)
    top_articles = fields.List(fields.Nested(ArticleFigureSchema), required=True)
    top_referrers = fields.List(fields.Nested(ReferrerFigureSchema), required=True)
