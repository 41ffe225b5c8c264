"""Site-wide listings: the admin's user list and the sitemap's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from folio.core.errors import Forbidden, NotFound
from folio.models import Article, Status, User

SITEMAP_MAX = 50_000  # the sitemap protocol's limit per file


@dataclass(frozen=True)
class UserPage:
    items: list[User]
    total: int
    offset: int
    limit: int


def list_users(session: Session, actor: User, *, limit: int = 50, offset: int = 0) -> UserPage:
    """Every account, newest first, for an admin.

    :raises Forbidden: the actor is not an admin.
    """
    if not actor.is_admin:
        raise Forbidden("user")
    stmt = select(User).order_by(User.created_at.desc(), User.id.desc()).limit(limit)
    items = list(session.scalars(stmt.offset(offset)))
    total = session.scalar(select(func.count()).select_from(User)) or 0
    return UserPage(items, total, offset, limit)


def get_user(session: Session, actor: User, user_id: int) -> User:
    """Any account by id, active or not, for an admin.

    :raises Forbidden: the actor is not an admin.
    :raises NotFound: no such user.
    """
    if not actor.is_admin:
        raise Forbidden("user")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user")
    return user


def published_articles(session: Session, limit: int = SITEMAP_MAX) -> list[tuple[str, datetime]]:
    """``(slug, updated_at)`` of published articles, newest first; drafts never appear."""
    stmt = (
        select(Article.slug, Article.updated_at)
        .where(Article.status == Status.PUBLISHED.value)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return [(slug, updated) for slug, updated in session.execute(stmt)]


def public_authors(session: Session, limit: int = SITEMAP_MAX) -> list[str]:
    """Usernames of active users with at least one published article."""
    has_article = exists().where(
        Article.author_id == User.id, Article.status == Status.PUBLISHED.value
    )
    stmt = (
        select(User.username)
        .where(User.is_active.is_(True), has_article)
        .order_by(User.username_key)
        .limit(limit)
    )
    return list(session.scalars(stmt))
