"""What happens to comments."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CommentAdded(DomainEvent):
    NAME = "comment.created"
    comment_id: int
    article_id: int
    author_id: int


@dataclass(frozen=True, kw_only=True)
class CommentDeleted(DomainEvent):
    NAME = "comment.deleted"
    comment_id: int
    article_id: int
