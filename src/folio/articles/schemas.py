"""Schemas of the articles resource: what a client may send, what it gets back.

Inputs list every field a client may set; anything else (``author``, ``status``,
``published_at``, counts, ``slug``) is refused with 422, so nothing is mass-assigned.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from folio.accounts.api_v1 import ProfileSchema, dump_profile
from folio.api.common import ChangesSchema, StrictBoolean
from folio.api.paging import CursorArgs, page_schema
from folio.articles.queries import ArticleView
from folio.articles.rules import BODY_MAX, DESCRIPTION_MAX, TAG_MAX, TAGS_PER_ARTICLE, TITLE_MAX
from folio.i18n import LANGUAGE_TAG_MAX
from folio.media.uploads import public_url

LIST_STATUSES = ("published", "draft", "mine")

_tags = fields.List(
    fields.String(validate=validate.Length(min=1, max=TAG_MAX)),
    validate=validate.Length(max=TAGS_PER_ARTICLE),
    metadata={
        "description": f"Up to {TAGS_PER_ARTICLE} tags; stored trimmed and lower-cased, "
        "inner spaces as hyphens.",
        "example": ["flask", "python"],
    },
)


def _language_field() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Length(max=LANGUAGE_TAG_MAX),
        metadata={
            "description": "The language the article is written in, a BCP 47 tag (`de`, "
            "`pt-BR`); null or empty: the site's language. Pages, feeds and ActivityPub "
            "documents declare it.",
            "example": "de",
        },
    )


class ArticleCreateSchema(Schema):
    title = fields.String(
        required=True,
        validate=validate.Length(min=1, max=TITLE_MAX),
        metadata={"example": "Hello, Folio"},
    )
    description = fields.String(
        load_default="",
        validate=validate.Length(max=DESCRIPTION_MAX),
        metadata={
            "description": "A one-line summary; needed to publish.",
            "example": "My first article",
        },
    )
    body = fields.String(
        load_default="",
        validate=validate.Length(max=BODY_MAX),
        metadata={"description": "Markdown; needed to publish.", "example": "Some *Markdown*."},
    )
    tags = _tags
    cover_image = fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={
            "description": "The `url` of one of your uploads (`POST /media`), or null for "
            "no cover.",
            "example": None,
        },
    )
    publish_at = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={
            "format": "date-time",
            "description": "Schedule the draft to be published then: ISO 8601 with an offset, "
            "in the future and at most a year ahead (needs a description and a body). "
            "Answered in UTC. Not with `publish: true`.",
            "example": "2027-01-31T09:00:00+01:00",
        },
    )
    publish = StrictBoolean(
        load_default=False,
        metadata={
            "description": "Publish at once (needs a description and a body). Without it the "
            "article is a draft that only you see, until `POST /articles/{slug}/publish`."
        },
    )
    language = _language_field()
    send_email = StrictBoolean(
        load_default=True,
        metadata={
            "description": "Also send by email: mail the article to your newsletter subscribers "
            "(and members who follow you with email on) when it is published (default true)."
        },
    )


class ArticleUpdateSchema(ChangesSchema):
    """Fields to change; those left out stay as they are. A draft's slug follows its
    title; a published article keeps its slug."""

    title = fields.String(validate=validate.Length(min=1, max=TITLE_MAX))
    description = fields.String(validate=validate.Length(max=DESCRIPTION_MAX))
    body = fields.String(validate=validate.Length(max=BODY_MAX))
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=TAG_MAX)),
        validate=validate.Length(max=TAGS_PER_ARTICLE),
        metadata={"description": "Replaces the tags; `[]` removes them all."},
    )
    cover_image = fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "The `url` of one of your uploads, or null to remove it."},
    )
    publish_at = fields.String(
        allow_none=True,
        validate=validate.Length(max=64),
        metadata={
            "format": "date-time",
            "description": "Schedule (or move) the draft's publication: ISO 8601 with an "
            "offset, in the future, at most a year ahead; null cancels the schedule.",
            "example": "2027-01-31T09:00:00Z",
        },
    )
    language = _language_field()
    send_email = StrictBoolean(
        metadata={
            "description": "Also send by email: mail the article to your newsletter subscribers "
            "(and members who follow you with email on) when it is published; no effect "
            "once published."
        },
    )


class CoverSchema(Schema):
    """Dumps a ``queries.CoverView``."""

    url = fields.Function(
        lambda cover: public_url(cover.key),
        required=True,
        metadata={"type": "string", "description": "The original picture's absolute URL."},
    )
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class ArticleSummarySchema(Schema):
    """An article as lists show it (without its body). Dumps an ``ArticleView``."""

    slug = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(["draft", "published"]),
        metadata={},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)
    publish_at = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When a scheduled draft will be published (UTC), or null."},
    )
    favorited = fields.Boolean(
        required=True, metadata={"description": "Whether you favorited it (false anonymously)."}
    )
    favorites_count = fields.Integer(required=True)
    version = fields.Integer(
        required=True,
        metadata={"description": "Moves on every change to the article."},
    )
    word_count = fields.Integer(
        required=True, metadata={"description": "Words in the Markdown body (runs of non-space)."}
    )
    reading_minutes = fields.Integer(
        required=True,
        metadata={"description": "Reading time: word_count / 230, rounded, at least 1."},
    )
    author = fields.Nested(ProfileSchema, required=True)
    cover_image = fields.Nested(
        CoverSchema,
        attribute="cover",
        required=True,
        allow_none=True,
        metadata={"description": "The cover picture, or null."},
    )


def dump_summary(view: ArticleView) -> dict[str, Any]:
    """``ArticleSummarySchema().dump(view)`` written out: a list dumps twenty of them, and
    marshmallow's walk of the fields (and the nested author and cover) was a quarter of
    a list's CPU. tests/api/test_dumpers.py holds the two equal on varied articles, so a
    field added to the schema fails there until it is added here too."""
    cover = view.cover
    published_at = view.published_at
    publish_at = view.publish_at
    return {
        "slug": view.slug,
        "title": view.title,
        "description": view.description,
        "tags": list(view.tags),
        "status": view.status,
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
        "published_at": None if published_at is None else published_at.isoformat(),
        "publish_at": None if publish_at is None else publish_at.isoformat(),
        "favorited": view.favorited,
        "favorites_count": view.favorites_count,
        "version": view.version,
        "word_count": view.word_count,
        "reading_minutes": view.reading_minutes,
        "author": dump_profile(view.author),
        "cover_image": None
        if cover is None
        else {"url": public_url(cover.key), "width": cover.width, "height": cover.height},
    }


class _Summary(fields.Nested):
    """An ``ArticleSummarySchema`` in the spec, dumped by :func:`dump_summary`."""

    # marshmallow's Field and Nested name the first argument differently: mypy sees a clash.
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return None if value is None else dump_summary(value)


class ArticleSchema(ArticleSummarySchema):
    body = fields.String(required=True, metadata={"description": "The Markdown source."})
    send_email = fields.Boolean(
        required=True, metadata={"description": "Whether publishing mails the article."}
    )
    language = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Its language (a BCP 47 tag), or null: the site's."},
    )
    body_html = fields.String(
        required=True,
        metadata={"description": "The body rendered to sanitised HTML."},
    )

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """:func:`dump_article` for one read model (every /api/v1 article answer), the
        fields walked by marshmallow for anything else (and with ``only`` or ``exclude``)."""
        if isinstance(obj, ArticleView) and not (many or self.many or self.only or self.exclude):
            return dump_article(obj)
        return super().dump(obj, many=many)


def dump_article(view: ArticleView) -> dict[str, Any]:
    """``ArticleSchema().dump(view)`` written out, as :func:`dump_summary` (which it
    extends): marshmallow's walk cost 0.046 ms of a single read's 1.5 ms CPU.
    tests/api/test_dumpers.py holds the two equal."""
    document = dump_summary(view)
    document["body"] = view.body
    document["send_email"] = view.send_email
    document["language"] = view.language
    document["body_html"] = view.body_html
    return document


class ArticleListArgs(CursorArgs):
    tag = fields.String(validate=validate.Length(min=1, max=TAG_MAX))
    author = fields.String(
        validate=validate.Length(min=1, max=30), metadata={"description": "A username."}
    )
    favorited = fields.String(
        validate=validate.Length(min=1, max=30),
        metadata={"description": "Articles this user (a username) favorited."},
    )
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Full-text search, best matches first (no `cursor`)."},
    )
    status = fields.String(
        load_default="published",
        validate=validate.OneOf(LIST_STATUSES),
        metadata={
            "description": "`published` (everyone's, the default), `draft` (your drafts) or "
            "`mine` (all your articles, newest change first); the last two need a token."
        },
    )


class FeedArgs(CursorArgs):
    pass


ArticlePageSchema = page_schema("ArticlePage", _Summary(ArticleSummarySchema), cursor=True)
