"""Autosave, pending edits and conflicts: the one place the editor and /api/v1 call.

- Autosaving a draft changes the draft itself; autosaving a published article keeps a
  pending edit (one per article) that readers never see until ``publish_pending``.
- Every save names the version the editor started from (the article's ``version``, and
  the pending edit's when there is one). A stale one raises :class:`EditConflict`
  carrying both texts, so the writer chooses: nothing is silently overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import rules
from folio.articles.permissions import can_edit
from folio.articles.queries import normalise_tags
from folio.articles.revisions import RevisionContent, keep_revision
from folio.articles.rules import ArticleChanges
from folio.core.errors import Conflict, Forbidden, NotFound
from folio.media import rules as media
from folio.media.uploads import public_url
from folio.models import Article, Media, PendingEdit, User, now_utc

# A brand-new article autosaved before it has a title still gets a draft to live in.
UNTITLED = "Untitled draft"
EDITING_SESSION_MAX = 64


@dataclass(frozen=True)
class DraftText:
    """One side of a conflict: the fields, the versions they stand on, who and when."""

    title: str
    description: str
    body: str
    tags: list[str]
    cover_image: str | None
    version: int | None = None
    pending_version: int | None = None
    by: str | None = None
    at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "body": self.body,
            "tags": list(self.tags),
            "cover_image": self.cover_image,
            "version": self.version,
            "pending_version": self.pending_version,
            "by": self.by,
            "at": self.at.isoformat() if self.at else None,
        }


class EditConflict(Conflict):
    """409: the article (or its pending edit) changed since the editor opened it."""

    def __init__(self, mine: DraftText, theirs: DraftText) -> None:
        when = f" at {theirs.at:%H:%M} UTC" if theirs.at else ""
        who = f" by {theirs.by}" if theirs.by else ""
        super().__init__(
            {"version": [f"is stale: this article was changed{who}{when} since you opened it"]}
        )
        self.mine = mine
        self.theirs = theirs

    def as_json(self) -> dict[str, Any]:
        return {"mine": self.mine.as_json(), "theirs": self.theirs.as_json()}


@dataclass(frozen=True)
class Autosaved:
    """What an autosave kept: the article, its pending edit (published articles), and
    whether the article was created by this save (a new editor's first autosave)."""

    article: Article
    pending: PendingEdit | None = None
    created: bool = False
    saved_at: datetime = field(default_factory=now_utc)

    @property
    def version(self) -> int:
        return self.article.version

    @property
    def pending_version(self) -> int | None:
        return self.pending.version if self.pending is not None else None


# --- reading ------------------------------------------------------------------------------


def find_pending(session: Session, article: Article) -> PendingEdit | None:
    return session.scalar(select(PendingEdit).where(PendingEdit.article_id == article.id))


def pending_text(session: Session, pending: PendingEdit) -> DraftText:
    """A pending edit as the editor and the API show it."""
    who = session.get(User, pending.user_id)
    cover = session.get(Media, pending.cover_id) if pending.cover_id is not None else None
    return DraftText(
        title=pending.title,
        description=pending.description,
        body=pending.body,
        tags=list(pending.tags or []),
        cover_image=public_url(cover.original_key) if cover else None,
        version=pending.base_version,
        pending_version=pending.version,
        by=who.display_name or who.username if who else None,
        at=pending.updated_at,
    )


def article_text(session: Session, article: Article) -> DraftText:
    author = session.get(User, article.author_id)
    cover = session.get(Media, article.cover_id) if article.cover_id is not None else None
    return DraftText(
        title=article.title,
        description=article.description,
        body=article.body,
        tags=list(article.tag_names),
        cover_image=public_url(cover.original_key) if cover else None,
        version=article.version,
        by=author.display_name or author.username if author else None,
        at=article.updated_at,
    )


def current_text(session: Session, article: Article) -> DraftText:
    """What the editor opens: the pending edit when there is one, else the article (with
    the pending edit's versions, so a save from it names them)."""
    pending = find_pending(session, article)
    if pending is None:
        return article_text(session, article)
    text = pending_text(session, pending)
    return DraftText(**{**text.__dict__, "version": article.version})


# --- writing ------------------------------------------------------------------------------


def autosave(
    session: Session,
    actor: User,
    article: Article | None,
    changes: ArticleChanges,
    *,
    version: int | None,
    pending_version: int | None = None,
    editing_session: str | None = None,
) -> Autosaved:
    """Keep what the editor holds. ``article`` None creates a draft (a new editor).

    :raises Forbidden: the actor is not the author.
    :raises EditConflict: ``version`` / ``pending_version`` are not the current ones.
    :raises ValidationFailed: a field over its limit, a cover that is not the actor's.
    """
    editing_session = (editing_session or "")[:EDITING_SESSION_MAX] or None
    if article is None:
        return _autosave_new(session, actor, changes, editing_session)
    if not can_edit(actor, article):
        raise Forbidden("article")
    pending = find_pending(session, article)
    _ensure_current(session, article, pending, version, pending_version, changes)
    if article.is_published:
        pending = _keep_pending(session, actor, article, pending, changes, editing_session)
        return Autosaved(article, pending)
    changes = {**changes, "title": _titled(changes.get("title"), article.title)}
    rules.update_article(
        session, actor, article, changes, revision_kind="autosave", editing_session=editing_session
    )
    if pending is not None:
        # The editor held the pending edit (opened before the article was unpublished).
        session.delete(pending)
        session.flush()
    return Autosaved(article)


def save_edit(
    session: Session,
    actor: User,
    article: Article,
    changes: ArticleChanges,
    *,
    version: int | None,
    pending_version: int | None = None,
) -> Article:
    """The editor's explicit save: the change itself (published at once on a published
    article), checked against the versions the editor started from. It supersedes the
    pending edit, which the editor was showing. ``version`` None skips the check (a
    client that sends none accepts the last write, as ``If-Match`` is optional)."""
    pending = find_pending(session, article)
    if version is not None:
        _ensure_current(session, article, pending, version, pending_version, changes)
    rules.update_article(session, actor, article, changes)
    if pending is not None:
        session.delete(pending)
        session.flush()
    return article


def keep_unpublished(
    session: Session,
    actor: User,
    article: Article,
    changes: ArticleChanges,
    *,
    version: int | None,
    pending_version: int | None = None,
) -> Article:
    """Keep what the editor holds without changing what readers see, for actions that
    save on the way (scheduling, share links): a draft's text is saved; a published
    article's becomes its pending update. ``version`` None skips the check.

    :raises EditConflict: the versions are not the current ones.
    """
    if not article.is_published:
        return save_edit(
            session, actor, article, changes, version=version, pending_version=pending_version
        )
    if version is None:
        current = current_text(session, article)
        version, pending_version = current.version, current.pending_version
    autosave(session, actor, article, changes, version=version, pending_version=pending_version)
    return article


def publish_pending(
    session: Session,
    actor: User,
    article: Article,
    *,
    pending_version: int | None = None,
) -> Article:
    """Apply the pending edit through the article's own update rules, then drop it.

    :raises NotFound: no pending edit (``pending_edit``).
    :raises EditConflict: the article changed after the edit was begun, or the pending
        edit changed since ``pending_version``.
    """
    if not can_edit(actor, article):
        raise Forbidden("article")
    pending = find_pending(session, article)
    if pending is None:
        raise NotFound("pending_edit")
    mine = pending_text(session, pending)
    if pending.base_version != article.version:
        raise EditConflict(mine, article_text(session, article))
    if pending_version is not None and pending_version != pending.version:
        raise EditConflict(DraftText(**{**mine.__dict__, "pending_version": pending_version}), mine)
    changes: ArticleChanges = {
        "title": pending.title,
        "description": pending.description,
        "body": pending.body,
        "tags": list(pending.tags or []),
        "cover_image": mine.cover_image,
    }
    rules.update_article(session, actor, article, changes, revision_kind="publish")
    session.delete(pending)
    session.flush()
    return article


def discard_pending(session: Session, actor: User, article: Article) -> None:
    """Forget the pending edit (there may be none: discarding twice changes nothing)."""
    if not can_edit(actor, article):
        raise Forbidden("article")
    pending = find_pending(session, article)
    if pending is not None:
        session.delete(pending)
        session.flush()


# --- the parts ----------------------------------------------------------------------------


def _autosave_new(
    session: Session, actor: User, changes: ArticleChanges, editing_session: str | None
) -> Autosaved:
    article = rules.create_article(
        session,
        actor,
        title=_titled(changes.get("title"), UNTITLED),
        description=changes.get("description"),
        body=changes.get("body"),
        tags=changes.get("tags") or [],
        cover_image=changes.get("cover_image"),
        editing_session=editing_session,
    )
    return Autosaved(article, created=True)


def _titled(title: str | None, fallback: str) -> str:
    """An autosave never fails for want of a title: the writer may not have typed it yet."""
    return title if title and title.strip() else fallback


def _ensure_current(
    session: Session,
    article: Article,
    pending: PendingEdit | None,
    version: int | None,
    pending_version: int | None,
    changes: ArticleChanges,
) -> None:
    stale = version != article.version or (
        pending is not None and pending_version != pending.version
    )
    if not stale:
        return
    mine = DraftText(
        title=changes.get("title") or "",
        description=changes.get("description") or "",
        body=changes.get("body") or "",
        tags=normalise_tags(changes.get("tags") or []),
        cover_image=changes.get("cover_image"),
        version=version,
        pending_version=pending_version,
    )
    theirs = current_text(session, article)
    raise EditConflict(mine, theirs)


def _keep_pending(
    session: Session,
    actor: User,
    article: Article,
    pending: PendingEdit | None,
    changes: ArticleChanges,
    editing_session: str | None,
) -> PendingEdit:
    title = _titled((changes.get("title") or "").strip(), article.title)
    description = (changes.get("description") or "").strip()
    body = changes.get("body") or ""
    tags = normalise_tags(changes.get("tags") or [])
    rules.validate_fields(title, description, body, tags, publishing=False)
    cover = media.own_cover(session, actor, changes.get("cover_image"))
    if pending is None:
        pending = PendingEdit(article_id=article.id, base_version=article.version, version=0)
        session.add(pending)
    pending.title, pending.description, pending.body, pending.tags = title, description, body, tags
    pending.cover_id = cover.id if cover is not None else None
    pending.user_id = actor.id
    pending.editing_session = editing_session
    pending.version = (pending.version or 0) + 1
    pending.updated_at = now_utc()
    session.flush()
    content = RevisionContent(title, description, tuple(tags), pending.cover_id, body)
    keep_revision(session, article, actor, "autosave", editing_session, content=content)
    return pending
