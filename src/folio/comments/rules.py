"""Comments on articles."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, bindparam, select
from sqlalchemy.orm import Session, joinedload

from folio.articles.permissions import can_view
from folio.comments.events import CommentAdded, CommentDeleted
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.core.events import record
from folio.i18n import N_
from folio.models import Article, Comment, Follow, User, now_utc
from folio.social.rules import ProfileView

COMMENT_MAX = 5000


@dataclass(frozen=True)
class CommentListing:
    comment: Comment
    following: bool  # whether the viewer follows the comment's author

    @property
    def view(self) -> CommentView:
        comment = self.comment
        author = ProfileView.of(comment.author, self.following)
        return CommentView(comment.id, comment.body, comment.created_at, comment.updated_at, author)


@dataclass(frozen=True, slots=True)
class CommentView:
    """A comment as the APIs show it to one viewer (an immutable read model)."""

    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author: ProfileView


def can_delete_comment(viewer: User | None, comment: Comment, article: Article) -> bool:
    """The comment's author, the article's author and admins may delete a comment."""
    if viewer is None:
        return False
    return viewer.id in (comment.author_id, article.author_id) or viewer.is_admin


def add_comment(session: Session, actor: User, article: Article, body: str | None) -> Comment:
    """Comment on an article the actor can see.

    :raises ValidationFailed: the body is blank or too long.
    """
    if not can_view(actor, article):
        raise NotFound("article")
    text = (body or "").strip()
    if not text:
        raise ValidationFailed({"body": [N_("can't be blank")]})
    if len(text) > COMMENT_MAX:
        too_long = N_("is too long (maximum is %(count)d characters)") % {"count": COMMENT_MAX}
        raise ValidationFailed({"body": [too_long]})
    now = now_utc()
    comment = Comment(
        article_id=article.id, author=actor, body=text, created_at=now, updated_at=now
    )
    session.add(comment)
    session.flush()
    record(
        session,
        CommentAdded(comment_id=comment.id, article_id=article.id, author_id=actor.id),
    )
    return comment


def list_comments(session: Session, viewer: User | None, article: Article) -> list[CommentListing]:
    """Comments on an article, oldest first, with authors: two queries at most."""
    if not can_view(viewer, article):
        raise NotFound("article")
    params = {"article_id": article.id, "viewer_id": viewer.id if viewer is not None else None}
    return [
        CommentListing(row[0], bool(row[1]) if len(row) > 1 else False)
        for row in session.execute(_comments_statement(viewer is not None), params)
    ]


@functools.cache
def _comments_statement(with_viewer: bool) -> Select[Any]:
    """An article's comments with their authors (and whether the viewer follows each),
    built once per process: building it cost more than running it."""
    columns: list[Any] = [Comment]
    if with_viewer:
        following = (
            select(Follow.follower_id)
            .where(
                Follow.follower_id == bindparam("viewer_id", type_=Integer),
                Follow.followee_id == Comment.author_id,
            )
            .exists()
        )
        columns.append(following.label("following"))
    return (
        select(*columns)
        .where(Comment.article_id == bindparam("article_id", type_=Integer))
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )


def get_comment(session: Session, article: Article, comment_id: int) -> Comment:
    comment = session.scalar(
        select(Comment)
        .where(Comment.id == comment_id, Comment.article_id == article.id)
        .options(joinedload(Comment.author))
    )
    if comment is None:
        raise NotFound("comment")
    return comment


def delete_comment(session: Session, actor: User, article: Article, comment_id: int) -> None:
    """Delete a comment (its author, the article's author or an admin).

    :raises NotFound: no such comment on this article.
    :raises Forbidden: the actor may not delete it.
    """
    if not can_view(actor, article):
        raise NotFound("article")
    comment = get_comment(session, article, comment_id)
    if not can_delete_comment(actor, comment, article):
        raise Forbidden("comment")
    session.delete(comment)
    session.flush()
    record(session, CommentDeleted(comment_id=comment_id, article_id=article.id))
