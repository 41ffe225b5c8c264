"""What federation stores: keys, remote actors, who follows whom across sites, what
arrived (for idempotency), what goes out (deliveries), and remote interactions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from folio.core.models import Base, UTCDateTime, now_utc

URI = 500


class ActorKey(Base):
    """A local author's RSA key pair; the private half encrypted at rest (keys.py)."""

    __tablename__ = "federation_actor_keys"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    public_pem: Mapped[str] = mapped_column(Text, nullable=False)
    private_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)


class RemoteActor(Base):
    """An actor on another server, as its document last said (cached)."""

    __tablename__ = "federation_remote_actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    domain: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    username: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    inbox: Mapped[str] = mapped_column(String(URI), nullable=False)
    shared_inbox: Mapped[str | None] = mapped_column(String(URI))
    url: Mapped[str | None] = mapped_column(String(URI))
    icon_url: Mapped[str | None] = mapped_column(String(URI))
    key_id: Mapped[str | None] = mapped_column(String(URI), index=True)
    public_key_pem: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.domain}" if self.username else self.uri

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class RemoteFollower(Base):
    """A remote actor following a local author (their Follow was accepted)."""

    __tablename__ = "federation_followers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("federation_remote_actors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    follow_activity: Mapped[str] = mapped_column(String(URI), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    remote_actor: Mapped[RemoteActor] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "remote_actor_id", name="follower"),)


class RemoteFollowing(Base):
    """A local reader following a remote account: pending until it answers Accept."""

    __tablename__ = "federation_following"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("federation_remote_actors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    follow_activity: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    accepted: Mapped[bool] = mapped_column(nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    remote_actor: Mapped[RemoteActor] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "remote_actor_id", name="following"),)


class ReceivedActivity(Base):
    """Every activity id taken in once: a second delivery of the same one is a no-op."""

    __tablename__ = "federation_received"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    actor_uri: Mapped[str] = mapped_column(String(URI), nullable=False)
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)


class Delivery(Base):
    """One activity to one inbox: signed and POSTed, retried with backoff, given up."""

    __tablename__ = "federation_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(URI), nullable=False)
    activity_type: Mapped[str] = mapped_column(String(40), nullable=False)
    inbox: Mapped[str] = mapped_column(String(URI), nullable=False)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    # The local actor whose key signs it.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The article it is about, for the delivery page (kept after a delete: no FK).
    article_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=now_utc
    )
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=now_utc, onupdate=now_utc
    )

    __table_args__ = (
        UniqueConstraint("activity_id", "inbox", name="activity_inbox"),
        Index("ix_federation_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
        Index("ix_federation_deliveries_host_updated_at", "host", "updated_at"),
    )


class RemoteReaction(Base):
    """A remote Like or Announce of a local article (counted apart from favorites)."""

    __tablename__ = "federation_reactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("federation_remote_actors.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    activity_id: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    __table_args__ = (UniqueConstraint("article_id", "remote_actor_id", "kind", name="reaction"),)


class RemoteComment(Base):
    """A reply from the fediverse to a local article; its HTML sanitised on arrival."""

    __tablename__ = "federation_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("federation_remote_actors.id", ondelete="CASCADE"), nullable=False, index=True
    )
    object_id: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    url: Mapped[str | None] = mapped_column(String(URI))
    content_html: Mapped[str] = mapped_column(Text, nullable=False)
    # "visible", or "held" for moderation (FEDERATION_HOLD_REMOTE_COMMENTS).
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="visible")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=now_utc, onupdate=now_utc
    )

    remote_actor: Mapped[RemoteActor] = relationship(lazy="joined")


class RemotePost(Base):
    """A post by a remote account local readers follow (their Fediverse feed)."""

    __tablename__ = "federation_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    remote_actor_id: Mapped[int] = mapped_column(
        ForeignKey("federation_remote_actors.id", ondelete="CASCADE"), nullable=False
    )
    object_id: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(URI))
    content_html: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=now_utc, onupdate=now_utc
    )

    remote_actor: Mapped[RemoteActor] = relationship(lazy="joined")

    __table_args__ = (
        Index(
            "ix_federation_posts_remote_actor_id_published_at", "remote_actor_id", "published_at"
        ),
    )


class Tombstone(Base):
    """A local object that federated and is gone (deleted or unpublished): 410."""

    __tablename__ = "federation_tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_uri: Mapped[str] = mapped_column(String(URI), nullable=False, unique=True)
    former_type: Mapped[str] = mapped_column(String(40), nullable=False, default="Article")
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)


class DomainBlock(Base):
    """A server an admin blocked: its activities are refused, its comments hidden."""

    __tablename__ = "federation_domain_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
