"""Share a draft: secret, revocable links that let anyone holding one read a draft.

The token is shown to its writer once and only its SHA-256 is stored, so neither the
database nor its backups hold a working link. What a link shows comes from one function,
:func:`shared_version`, so every face shows the same thing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from folio.articles.pending_edits import PendingEdit
from folio.articles.permissions import can_edit
from folio.articles.rules import preview_html
from folio.core.errors import Forbidden, NotFound
from folio.models import Article, DraftLink, User, now_utc

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything else is not one of ours.
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_draft_link(session: Session, actor: User, article: Article) -> tuple[DraftLink, str]:
    """A new link to ``article`` (its author only); the link and its secret token.

    :raises Forbidden: someone else's article.
    """
    if not can_edit(actor, article):
        raise Forbidden("article")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = DraftLink(
        article_id=article.id, token_hash=_digest(token), created_by=actor.id, created_at=now_utc()
    )
    session.add(link)
    session.flush()
    return link, token


def revoke_draft_link(session: Session, actor: User, article: Article, link_id: int) -> DraftLink:
    """Stop a link of ``article`` from working; revoking it twice changes nothing.

    :raises Forbidden: someone else's article.
    :raises NotFound: no such link on this article.
    """
    if not can_edit(actor, article):
        raise Forbidden("article")
    link = session.get(DraftLink, link_id)
    if link is None or link.article_id != article.id:
        raise NotFound("draft link")
    if link.revoked_at is None:
        link.revoked_at = now_utc()
        session.flush()
    return link


def active_links(session: Session, article: Article) -> list[DraftLink]:
    """The links of ``article`` that still work, newest first."""
    return list(
        session.scalars(
            select(DraftLink)
            .where(DraftLink.article_id == article.id, DraftLink.revoked_at.is_(None))
            .order_by(DraftLink.created_at.desc(), DraftLink.id.desc())
        )
    )


def article_for_token(session: Session, token: str) -> Article:
    """The article a working link points at.

    :raises NotFound: on ``draft link``: a forged, mistyped or revoked token.
    """
    if not _TOKEN_RE.match(token or ""):
        raise NotFound("draft link")
    article = session.scalar(
        select(Article)
        .join(DraftLink, DraftLink.article_id == Article.id)
        .options(joinedload(Article.author), joinedload(Article.cover), selectinload(Article.tags))
        .where(DraftLink.token_hash == _digest(token), DraftLink.revoked_at.is_(None))
    )
    if article is None:
        raise NotFound("draft link")
    return article


@dataclass(frozen=True, slots=True)
class SharedVersion:
    """What a draft link shows: the text the writer is working on."""

    slug: str
    title: str
    description: str
    body_html: str
    tags: tuple[str, ...]
    author_name: str
    author_username: str
    updated_at: datetime
    # True when this text is not what readers of the public page see: a draft, or a
    # published article's pending update (``is_update``).
    is_draft: bool
    is_update: bool = False


def shared_version(session: Session, article: Article) -> SharedVersion:
    """The version of ``article`` a draft link shows (the one place that decides it): the
    draft itself, or a published article's pending update, rendered by the same Markdown
    pipeline and sanitiser as the public page."""
    pending = session.scalar(select(PendingEdit).where(PendingEdit.article_id == article.id))
    if article.is_published and pending is not None:
        return SharedVersion(
            slug=article.slug,
            title=pending.title,
            description=pending.description,
            body_html=preview_html(session, pending.body),
            tags=tuple(pending.tags or ()),
            author_name=article.author.name,
            author_username=article.author.username,
            updated_at=pending.updated_at,
            is_draft=True,
            is_update=True,
        )
    return SharedVersion(
        slug=article.slug,
        title=article.title,
        description=article.description,
        body_html=article.body_html,
        tags=tuple(article.tag_names),
        author_name=article.author.name,
        author_username=article.author.username,
        updated_at=article.updated_at,
        is_draft=not article.is_published,
    )
