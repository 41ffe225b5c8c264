"""Revision history: keep what an article said at each save, list, compare and restore.

Explicit saves, publishes and restores each keep a revision; autosaves of one editing
session coalesce into a single one, so the history stays readable. Only the author and
administrators see an article's revisions: anyone else is told they do not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, joinedload

from folio.articles import rules as article_rules
from folio.articles.diffs import RevisionDiff, TextVersion, compare, word_changes
from folio.articles.permissions import can_delete
from folio.articles.revision_models import ArticleRevision, BodyFormat, RevisionKind
from folio.articles.revision_storage import decode_chain, encode_body, is_keyframe_number
from folio.core.errors import NotFound, ValidationFailed
from folio.i18n import N_
from folio.media.models import Media
from folio.media.variants import media_path
from folio.models import Article, Tag, User, article_tags, now_utc

KINDS = frozenset(kind.value for kind in RevisionKind)
EDITING_SESSION_MAX = 64
# Ids are INTEGER: a larger number names no revision (and PostgreSQL would refuse it).
ID_LIMIT = 2**31


# Messages with a number in them ("%(count)d"): pages translate them as the template.
NAMES_NO_REVISION = N_("names no revision (%(count)d)")
OTHER_ARTICLE = N_(
    "revision %(count)d belongs to another article:"
    " only revisions of the same article can be compared"
)


class RevisionNotFound(NotFound):
    """No such revision of this article (it may belong to another one)."""

    def __init__(self, revision_id: int | str, reason: str = N_("not found")) -> None:
        super().__init__("revision")
        self.errors = {"revision": [reason]}
        self.message = f"revision {revision_id}: {reason}"


@dataclass(frozen=True)
class RevisionContent:
    """The fields a revision keeps."""

    title: str
    description: str
    tags: tuple[str, ...]
    cover_id: int | None
    body: str

    def text(self) -> TextVersion:
        return TextVersion(self.title, self.description, self.tags, self.body)


@dataclass(frozen=True)
class RevisionPage:
    items: Sequence[ArticleRevision]
    total: int


# --- who may see them ---------------------------------------------------------------------


def can_see_revisions(viewer: User | None, article: Article) -> bool:
    """The author and administrators (the same people who may delete the article)."""
    return can_delete(viewer, article)


def _check_viewer(viewer: User | None, article: Article) -> None:
    if not can_see_revisions(viewer, article):
        # Not 403: whether an article has a history is nobody else's business.
        raise NotFound("revision")


# --- keeping ------------------------------------------------------------------------------


def _tag_names(session: Session, article: Article) -> tuple[str, ...]:
    if "tags" in article.__dict__:
        return tuple(article.tag_names)
    names = session.scalars(
        select(Tag.name)
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .where(article_tags.c.article_id == article.id)
        .order_by(Tag.name)
    )
    return tuple(names)


def content_of(session: Session, article: Article) -> RevisionContent:
    """What ``article`` holds now, as a revision would keep it."""
    return RevisionContent(
        title=article.title,
        description=article.description,
        tags=_tag_names(session, article),
        cover_id=article.cover_id,
        body=article.body,
    )


def newest_revision(session: Session, article_id: int) -> ArticleRevision | None:
    return session.scalar(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.number.desc())
        .limit(1)
    )


def _same_content(revision: ArticleRevision, body: str, content: RevisionContent) -> bool:
    return (
        revision.title == content.title
        and revision.description == content.description
        and tuple(revision.tags) == content.tags
        and revision.cover_id == content.cover_id
        and body == content.body
    )


def _write(revision: ArticleRevision, content: RevisionContent, previous_body: str | None) -> None:
    revision.title = content.title
    revision.description = content.description
    revision.tags = list(content.tags)
    revision.cover_id = content.cover_id
    revision.body_format, revision.body_data = encode_body(
        content.body, previous_body, keyframe=is_keyframe_number(revision.number)
    )
    revision.words_added, revision.words_removed = word_changes(previous_body or "", content.body)
    revision.saved_at = now_utc()


def keep_revision(
    session: Session,
    article: Article,
    by: User | None,
    kind: str,
    editing_session: str | None = None,
    *,
    content: RevisionContent | None = None,
    first: bool = False,
) -> ArticleRevision:
    """Keep what ``article`` says now as a revision, saved by ``by``.

    An ``autosave`` with the same ``editing_session`` (and writer) as the newest revision
    updates that one in place. A ``save`` of exactly the newest revision's content keeps
    nothing new; a ``publish`` of the text its writer just saved marks that revision as
    published rather than copying it. Otherwise a new revision is added.
    ``content``: what to keep when it is not the article's own fields (a pending draft).
    ``first``: the article was created in this transaction, so it has no revision yet.

    :raises ValueError: an unknown ``kind`` (a programming error, not user input).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown revision kind {kind!r}")
    content = content if content is not None else content_of(session, article)
    by_id = by.id if by is not None else None
    newest = None if first else newest_revision(session, article.id)
    newest_body = body_of(session, newest) if newest is not None else None
    if newest is not None and newest_body is not None:
        coalesces = (
            kind == RevisionKind.AUTOSAVE
            and editing_session is not None
            and newest.kind == RevisionKind.AUTOSAVE
            and newest.editing_session == editing_session
            and newest.user_id == by_id
        )
        if coalesces:
            before = body_of(session, newest, back=1) if newest.number > 1 else None
            _write(newest, content, before)
            session.flush()
            return newest
        if _same_content(newest, newest_body, content) and newest.user_id == by_id:
            if kind == RevisionKind.SAVE:
                return newest
            if kind == RevisionKind.PUBLISH and newest.kind == RevisionKind.SAVE:
                newest.kind = RevisionKind.PUBLISH.value
                session.flush()
                return newest
    revision = ArticleRevision(
        article_id=article.id,
        number=(newest.number + 1) if newest is not None else 1,
        user_id=by_id,
        kind=kind,
        editing_session=(editing_session or None) and editing_session[:EDITING_SESSION_MAX],
    )
    _write(revision, content, newest_body)
    session.add(revision)
    session.flush()
    return revision


# --- reading ------------------------------------------------------------------------------


def body_of(session: Session, revision: ArticleRevision, *, back: int = 0) -> str:
    """The body of ``revision`` (or of the one ``back`` numbers before it), rebuilt from
    its keyframe and the edit scripts after it in one query."""
    number = revision.number - back
    keyframe = (
        select(func.max(ArticleRevision.number))
        .where(
            ArticleRevision.article_id == revision.article_id,
            ArticleRevision.number <= number,
            ArticleRevision.body_format == BodyFormat.FULL.value,
        )
        .scalar_subquery()
    )
    chain = session.execute(
        select(ArticleRevision.body_format, ArticleRevision.body_data)
        .where(
            ArticleRevision.article_id == revision.article_id,
            ArticleRevision.number >= keyframe,
            ArticleRevision.number <= number,
        )
        .order_by(ArticleRevision.number)
    ).all()
    return decode_chain([(row.body_format, row.body_data) for row in chain])


def revision_content(session: Session, revision: ArticleRevision) -> RevisionContent:
    return RevisionContent(
        title=revision.title,
        description=revision.description,
        tags=tuple(revision.tags),
        cover_id=revision.cover_id,
        body=body_of(session, revision),
    )


def list_revisions(
    session: Session, viewer: User | None, article: Article, *, limit: int, offset: int
) -> RevisionPage:
    """A page of the article's revisions, newest first, each with who saved it.

    :raises NotFound: the viewer may not see them.
    """
    _check_viewer(viewer, article)
    items = session.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article.id)
        .options(joinedload(ArticleRevision.user), defer(ArticleRevision.body_data))
        .order_by(ArticleRevision.number.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).where(ArticleRevision.article_id == article.id))
    return RevisionPage(items, int(total or 0))


def parse_revision_id(value: object, field: str) -> int:
    """A revision id from a URL or a form.

    :raises ValidationFailed: not a positive whole number (on ``field``).
    """
    text = str(value).strip() if value is not None else ""
    if not text.isdigit() or not 0 < int(text) < ID_LIMIT:
        raise ValidationFailed({field: [N_("must be a revision number (a positive whole number)")]})
    return int(text)


def get_revision(
    session: Session, viewer: User | None, article: Article, revision_id: int
) -> ArticleRevision:
    """One revision of ``article``, with who saved it.

    :raises NotFound: the viewer may not see revisions, or ``article`` has no such one
        (:class:`RevisionNotFound` says when it belongs to another article).
    """
    _check_viewer(viewer, article)
    if not 0 < revision_id < ID_LIMIT:
        # Beyond any id (and the database's integers): no need to ask.
        raise RevisionNotFound(revision_id)
    revision = session.scalar(
        select(ArticleRevision)
        .where(ArticleRevision.id == revision_id)
        .options(joinedload(ArticleRevision.user))
    )
    if revision is None:
        raise RevisionNotFound(revision_id)
    if revision.article_id != article.id:
        raise RevisionNotFound(revision_id, N_("is not a revision of this article"))
    return revision


def compare_revisions(
    session: Session,
    viewer: User | None,
    article: Article,
    old_id: int,
    new_id: int,
    *,
    fields: tuple[str, str] = ("a", "b"),
) -> tuple[ArticleRevision, ArticleRevision, RevisionDiff]:
    """Two revisions of ``article`` and their diff, from ``old_id`` to ``new_id``.

    :raises NotFound: the viewer may not see revisions.
    :raises ValidationFailed: either id is no revision of this article (named by
        ``fields``), e.g. one of another article.
    """
    _check_viewer(viewer, article)
    found = {
        revision.id: revision
        for revision in session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.id.in_({old_id, new_id}))
            .options(joinedload(ArticleRevision.user))
        )
    }
    errors: dict[str, list[str]] = {}
    for field, ident in zip(fields, (old_id, new_id), strict=True):
        revision = found.get(ident)
        if revision is None:
            errors[field] = [NAMES_NO_REVISION % {"count": ident}]
        elif revision.article_id != article.id:
            errors[field] = [OTHER_ARTICLE % {"count": ident}]
    if errors:
        raise ValidationFailed(errors)
    old, new = found[old_id], found[new_id]
    diff = compare(revision_content(session, old).text(), revision_content(session, new).text())
    return old, new, diff


# --- restoring ----------------------------------------------------------------------------


def _cover_url(session: Session, cover_id: int | None) -> str | None:
    media = session.get(Media, cover_id) if cover_id is not None else None
    return media_path(media.original_key) if media is not None else None


def restore_revision(
    session: Session, actor: User, article: Article, revision: ArticleRevision
) -> ArticleRevision:
    """Put ``revision``'s title, description, tags, cover and body back through the
    normal update rules (validation, tags, cover, events), and keep a "restore" revision.

    :raises NotFound: ``actor`` may not see the revisions, or ``revision`` is not one of
        ``article``'s.
    :raises ValidationFailed: the old content breaks a rule now (e.g. a published article
        needs a body); nothing changes.
    """
    _check_viewer(actor, article)
    if revision.article_id != article.id:
        raise RevisionNotFound(revision.id, N_("is not a revision of this article"))
    content = revision_content(session, revision)
    # An administrator restores on the author's behalf: the edit rules are the author's.
    author = actor if actor.id == article.author_id else session.get(User, article.author_id)
    if author is None:
        raise NotFound("article")
    changes: article_rules.ArticleChanges = {
        "title": content.title,
        "description": content.description,
        "body": content.body,
        "tags": list(content.tags),
        "cover_image": _cover_url(session, content.cover_id),
    }
    article_rules.update_article(session, author, article, changes, revision_kind=None)
    return keep_revision(session, article, actor, RevisionKind.RESTORE.value)
