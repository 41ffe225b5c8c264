"""An article's revision history in /api/v1: list, read one, compare two, restore one.

Only the author and administrators see an article's revisions; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest.pagination import PaginationParameters
from marshmallow import RAISE, Schema, fields, validate

from folio.api.common import ApiBlueprint, auth_required, authenticated_user, documents
from folio.api.paging import QueryArgs, page_schema, page_window
from folio.articles import queries as article_queries
from folio.articles import revisions
from folio.articles.diffs import ADDED, EQUAL, REMOVED, SKIPPED, diff_json
from folio.articles.queries import ArticleView
from folio.articles.revision_models import ArticleRevision, RevisionKind
from folio.articles.schemas import ArticleSchema
from folio.core.uow import current_session, transactional
from folio.media.models import Media
from folio.media.uploads import public_url
from folio.models import Article, User

blp = ApiBlueprint(
    "revisions",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Every save, publish and restore of an article keeps a revision; autosaves of one "
        "editing session are kept as one. Only the author and administrators see them "
        "(404 for anyone else). Compare two with `GET .../diff?against=`, and restore one "
        "with `POST .../restore` (the restore itself becomes a new revision)."
    ),
)

_ID_MAX = 2**63 - 1


class RevisionSummarySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(
        required=True, metadata={"description": "1, 2, 3... within this article."}
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf([kind.value for kind in RevisionKind]),
        metadata={"description": "`save`, `publish`, `autosave` or `restore`."},
    )
    by = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Username of who saved it; null for a closed account."},
    )
    saved_at = fields.DateTime(required=True)
    title = fields.String(required=True)
    words_added = fields.Integer(
        required=True, metadata={"description": "Body words added since the previous revision."}
    )
    words_removed = fields.Integer(required=True)


class RevisionSchema(RevisionSummarySchema):
    description = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    cover_image = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The cover's URL then (null: none, or deleted since)."},
    )
    body = fields.String(required=True, metadata={"description": "The Markdown source."})


RevisionPageSchema = page_schema("RevisionPage", RevisionSummarySchema)


class DiffArgs(Schema):
    against = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=_ID_MAX),
        metadata={"description": "Id of the revision to compare from (usually the older)."},
    )


class DiffSegmentSchema(Schema):
    op = fields.String(required=True, validate=validate.OneOf([EQUAL, ADDED, REMOVED]))
    text = fields.String(required=True)


class DiffLineSchema(Schema):
    op = fields.String(
        required=True,
        validate=validate.OneOf([EQUAL, ADDED, REMOVED, SKIPPED]),
        metadata={"description": "`skipped` stands for `skipped` unchanged lines."},
    )
    edited = fields.Boolean(
        required=True,
        metadata={"description": "An edited line: its `segments` mark the words changed."},
    )
    skipped = fields.Integer(required=True)
    segments = fields.List(fields.Nested(DiffSegmentSchema), required=True)


class DiffFieldSchema(Schema):
    name = fields.String(
        required=True, validate=validate.OneOf(["title", "description", "tags", "body"])
    )
    changed = fields.Boolean(required=True)
    lines = fields.List(fields.Nested(DiffLineSchema), required=True)


class RevisionDiffSchema(Schema):
    revision = fields.Integer(required=True, metadata={"description": "Compared to this id."})
    against = fields.Integer(required=True, metadata={"description": "Compared from this id."})
    words_added = fields.Integer(required=True)
    words_removed = fields.Integer(required=True)
    fields_ = fields.List(
        fields.Nested(DiffFieldSchema),
        required=True,
        data_key="fields",
        attribute="fields",
        metadata={"description": "Title, description, tags (one per line) and body."},
    )


def _article(user: User, slug: str) -> Article:
    return article_queries.get_article(current_session(), user, slug)


def _summary(revision: ArticleRevision) -> dict[str, Any]:
    return {
        "id": revision.id,
        "number": revision.number,
        "kind": revision.kind,
        "by": revision.user.username if revision.user is not None else None,
        "saved_at": revision.saved_at,
        "title": revision.title,
        "words_added": revision.words_added,
        "words_removed": revision.words_removed,
    }


def _cover_url(cover_id: int | None) -> str | None:
    media = current_session().get(Media, cover_id) if cover_id is not None else None
    return public_url(media.original_key) if media is not None else None


@blp.route("/articles/<string:slug>/revisions")
class Revisions(MethodView):
    @auth_required
    @blp.arguments(QueryArgs, location="query", unknown=RAISE)
    @blp.response(200, RevisionPageSchema)
    @blp.paginate()
    @documents(304, 404, parameters=["IfNoneMatch"])
    def get(
        self, _args: dict[str, Any], slug: str, pagination_parameters: PaginationParameters
    ) -> Any:
        """List an article's revisions, newest first (its author and administrators)"""
        user = authenticated_user()
        limit, offset = page_window(pagination_parameters)
        page = revisions.list_revisions(
            current_session(), user, _article(user, slug), limit=limit, offset=offset
        )
        pagination_parameters.item_count = page.total
        return [_summary(revision) for revision in page.items]


@blp.route("/articles/<string:slug>/revisions/<int:revision_id>")
class RevisionItem(MethodView):
    @auth_required
    @blp.response(200, RevisionSchema)
    @documents(304, 404, parameters=["IfNoneMatch"])
    def get(self, slug: str, revision_id: int) -> Any:
        """Read one revision in full (its author and administrators)"""
        user = authenticated_user()
        session = current_session()
        revision = revisions.get_revision(session, user, _article(user, slug), revision_id)
        content = revisions.revision_content(session, revision)
        return {
            **_summary(revision),
            "description": content.description,
            "tags": list(content.tags),
            "cover_image": _cover_url(content.cover_id),
            "body": content.body,
        }


@blp.route("/articles/<string:slug>/revisions/<int:revision_id>/diff")
class RevisionDiff(MethodView):
    @auth_required
    @blp.arguments(DiffArgs, location="query", unknown=RAISE)
    @blp.response(200, RevisionDiffSchema)
    @documents(304, 404, parameters=["IfNoneMatch"])
    def get(self, args: dict[str, Any], slug: str, revision_id: int) -> Any:
        """Compare a revision with another of the same article (word-level inside lines)

        A revision of another article as `against` answers 422.
        """
        user = authenticated_user()
        session = current_session()
        article = _article(user, slug)
        revision = revisions.get_revision(session, user, article, revision_id)
        _old, _new, diff = revisions.compare_revisions(
            session, user, article, args["against"], revision.id, fields=("against", "revision")
        )
        return {"revision": revision.id, "against": args["against"], **diff_json(diff)}


@blp.route("/articles/<string:slug>/revisions/<int:revision_id>/restore")
class RevisionRestore(MethodView):
    @auth_required
    @blp.response(200, ArticleSchema)
    @documents(404, 409, 422, headers=["ETag"])
    @transactional
    def post(self, slug: str, revision_id: int) -> Any:
        """Restore a revision (its author and administrators); the restore is kept as a
        new revision

        The title, description, tags, cover and body become the revision's, through the
        same rules as `PATCH /articles/{slug}`: content those rules refuse now (a published
        article without a body) answers 422 and changes nothing.
        """
        user = authenticated_user()
        session = current_session()
        article = _article(user, slug)
        revision = revisions.get_revision(session, user, article, revision_id)
        revisions.restore_revision(session, user, article, revision)
        return ArticleView.of(article_queries.listing_of(session, user, article))
