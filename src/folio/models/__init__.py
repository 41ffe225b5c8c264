"""Typed SQLAlchemy 2.0 mappings; importing this package registers every table."""

from __future__ import annotations

from folio.models.article import Article, Comment, Favorite, Status, Tag, article_tags
from folio.models.auth import RevokedToken
from folio.models.base import Base, now_utc
from folio.models.user import Follow, Role, User, username_key

__all__ = [
    "Article",
    "Base",
    "Comment",
    "Favorite",
    "Follow",
    "RevokedToken",
    "Role",
    "Status",
    "Tag",
    "User",
    "article_tags",
    "now_utc",
    "username_key",
]
