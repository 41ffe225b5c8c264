"""What federation pages and documents read."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from folio.federation.models import (
    Delivery,
    DomainBlock,
    RemoteActor,
    RemoteComment,
    RemoteFollower,
    RemoteFollowing,
    RemotePost,
    RemoteReaction,
    Tombstone,
)
from folio.models import Article, Status, User


def not_blocked() -> ColumnElement[bool]:
    """The remote actor's server is not blocked, nor any domain above it (a blocked
    server's replies and reactions are hidden, and it is sent nothing)."""
    return ~exists().where(
        or_(
            DomainBlock.domain == RemoteActor.domain,
            RemoteActor.domain.like(literal("%.") + DomainBlock.domain),
        )
    )


def reaction_counts(session: Session, article_id: int, *, with_held: bool) -> dict[str, int]:
    """Likes, announces and the replies a reader may see, counted in one statement: most
    articles have none, and then the article page needs nothing more."""
    counts = {"like": 0, "announce": 0, "reply": 0}
    rows = session.execute(_reaction_counts_statement(with_held), {"article_id": article_id})
    counts.update({kind: int(n) for kind, n in rows})
    return counts


@functools.cache
def _reaction_counts_statement(with_held: bool) -> CompoundSelect:
    # Built once per process: every article page asks it, and building the statement cost
    # more than running it (bench/README.md).
    article_id = bindparam("article_id", type_=Integer)
    visible = RemoteComment.state.in_(("visible", "held") if with_held else ("visible",))
    reactions = (
        select(RemoteReaction.kind.label("kind"), func.count().label("n"))
        .join(RemoteActor, RemoteActor.id == RemoteReaction.remote_actor_id)
        .where(RemoteReaction.article_id == article_id, not_blocked())
        .group_by(RemoteReaction.kind)
    )
    replies = (
        select(literal("reply").label("kind"), func.count().label("n"))
        .select_from(RemoteComment)
        .join(RemoteActor, RemoteActor.id == RemoteComment.remote_actor_id)
        .where(RemoteComment.article_id == article_id, visible, not_blocked())
    )
    return union_all(reactions, replies)


def remote_comments(
    session: Session, article_id: int, *, with_held: bool
) -> Sequence[RemoteComment]:
    """Replies from the fediverse, oldest first; held ones only for moderators; none
    from blocked domains."""
    stmt = (
        select(RemoteComment)
        .join(RemoteActor, RemoteActor.id == RemoteComment.remote_actor_id)
        .where(
            RemoteComment.article_id == article_id,
            not_blocked(),
        )
        .order_by(RemoteComment.published_at, RemoteComment.id)
    )
    if not with_held:
        stmt = stmt.where(RemoteComment.state == "visible")
    return session.scalars(stmt).all()


def deliveries(session: Session, user: User, limit: int = 100) -> Sequence[Delivery]:
    """The latest deliveries: the user's own, or every one for an admin."""
    stmt = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
    if not user.is_admin:
        stmt = stmt.where(Delivery.user_id == user.id)
    return session.scalars(stmt).all()


def due_delivery_ids(session: Session, now: object, limit: int) -> list[int]:
    return list(
        session.scalars(
            select(Delivery.id)
            .where(Delivery.state == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
    )


def fediverse_feed(session: Session, user: User, limit: int = 50) -> Sequence[RemotePost]:
    followed = select(RemoteFollowing.remote_actor_id).where(RemoteFollowing.user_id == user.id)
    return session.scalars(
        select(RemotePost)
        .join(RemoteActor, RemoteActor.id == RemotePost.remote_actor_id)
        .where(
            RemotePost.remote_actor_id.in_(followed),
            not_blocked(),
        )
        .order_by(RemotePost.published_at.desc(), RemotePost.id.desc())
        .limit(limit)
    ).all()


def followings(session: Session, user: User) -> Sequence[RemoteFollowing]:
    return session.scalars(
        select(RemoteFollowing)
        .where(RemoteFollowing.user_id == user.id)
        .order_by(RemoteFollowing.created_at.desc())
    ).all()


def follower_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RemoteFollower)
            .where(RemoteFollower.user_id == user_id)
        )
        or 0
    )


def following_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(RemoteFollowing)
            .where(RemoteFollowing.user_id == user_id, RemoteFollowing.accepted.is_(True))
        )
        or 0
    )


def published_count(session: Session, author_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(Article).where(Article.status == Status.PUBLISHED.value)
    if author_id is not None:
        stmt = stmt.where(Article.author_id == author_id)
    return int(session.scalar(stmt) or 0)


def outbox_page(session: Session, author: User, page: int, per_page: int) -> list[Article]:
    return list(
        session.scalars(
            select(Article)
            .where(Article.author_id == author.id, Article.status == Status.PUBLISHED.value)
            .options(joinedload(Article.cover), selectinload(Article.tags))
            .order_by(Article.published_at.desc(), Article.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )


def article_for_document(session: Session, slug: str) -> Article | None:
    return session.scalar(
        select(Article)
        .where(Article.slug == slug)
        .options(joinedload(Article.author), joinedload(Article.cover), selectinload(Article.tags))
    )


def tombstone(session: Session, object_uri: str) -> Tombstone | None:
    return session.scalar(select(Tombstone).where(Tombstone.object_uri == object_uri))


def domain_blocks(session: Session) -> Sequence[DomainBlock]:
    return session.scalars(select(DomainBlock).order_by(DomainBlock.domain)).all()


def active_users(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True))) or 0
    )


def actor_by_key_id(session: Session, key_id: str) -> RemoteActor | None:
    return session.scalar(select(RemoteActor).where(RemoteActor.key_id == key_id))


def actor_by_uri(session: Session, uri: str) -> RemoteActor | None:
    return session.scalar(select(RemoteActor).where(RemoteActor.uri == uri))


def local_user(session: Session, username: str) -> User | None:
    from folio.models import username_key

    user = session.scalar(select(User).where(User.username_key == username_key(username)))
    return user if user is not None and user.is_active else None
