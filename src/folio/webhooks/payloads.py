"""What a webhook says about each domain event: its type, its ``data``, and whose it is.

Built right after the commit, from the ids the event carries; for a deletion the row is
gone, so the data holds what the event itself kept (the slug, the ids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from folio.accounts.events import UserRegistered
from folio.articles.events import (
    ArticleDeleted,
    ArticleEvent,
    ArticlePublished,
    ArticleUnpublished,
    ArticleUpdated,
)
from folio.comments.events import CommentAdded, CommentDeleted
from folio.core.events import DomainEvent
from folio.models import Article, Comment, User

# The domain events webhooks send, by class.
SENT = (
    ArticlePublished,
    ArticleUpdated,
    ArticleUnpublished,
    ArticleDeleted,
    CommentAdded,
    CommentDeleted,
    UserRegistered,
)

ArticleUrl = Callable[[str], str]


@dataclass(frozen=True)
class Described:
    event_type: str
    data: dict[str, Any]
    # The writer whose own endpoints receive it (the article's author), if any.
    concerns_user_id: int | None


def _username(session: Session, user_id: int | None) -> str | None:
    user = session.get(User, user_id) if user_id is not None else None
    return user.username if user is not None else None


def _article(session: Session, event: ArticleEvent, article_url: ArticleUrl) -> Described:
    article = session.get(Article, event.article_id)
    if article is None or isinstance(event, ArticleDeleted):
        slug = getattr(event, "slug", None) or (article.slug if article else None)
        data: dict[str, Any] = {
            "slug": slug,
            "title": None,
            "url": None,
            "author": _username(session, event.author_id),
            "status": "deleted",
        }
    else:
        data = {
            "slug": article.slug,
            "title": article.title,
            "url": article_url(article.slug),
            "author": _username(session, article.author_id),
            "status": article.status,
        }
    return Described(event.NAME, data, event.author_id)


def _comment(session: Session, event: CommentAdded | CommentDeleted) -> Described | None:
    article = session.get(Article, event.article_id)
    comment = session.get(Comment, event.comment_id)
    author_id = comment.author_id if comment is not None else getattr(event, "author_id", None)
    data = {
        "id": event.comment_id,
        "article": article.slug if article is not None else None,
        "author": _username(session, author_id),
        "body": comment.body if comment is not None else None,
    }
    return Described(event.NAME, data, article.author_id if article is not None else None)


def _is_published(session: Session, article_id: int) -> bool:
    article = session.get(Article, article_id)
    return article is not None and article.is_published


def describe(session: Session, event: DomainEvent, article_url: ArticleUrl) -> Described | None:
    """The webhook for ``event``, or None when webhooks do not send it."""
    if isinstance(event, ArticleUpdated) and not _is_published(session, event.article_id):
        # A draft's saves (autosave makes one every few seconds) are nobody else's business.
        return None
    if isinstance(event, ArticlePublished | ArticleUpdated | ArticleUnpublished | ArticleDeleted):
        return _article(session, event, article_url)
    if isinstance(event, CommentAdded | CommentDeleted):
        return _comment(session, event)
    if isinstance(event, UserRegistered):
        return Described(event.NAME, {"username": _username(session, event.user_id)}, None)
    return None
