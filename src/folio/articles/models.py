"""Articles, their tags and favorites."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from folio.accounts.models import User
from folio.articles import reading
from folio.core.models import Base, TimestampMixin, UTCDateTime, now_utc
from folio.media.models import Media


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tags_tag_id_article_id", "tag_id", "article_id"),
)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"


_LISTED_TAG_NAMES = "_listed_tag_names"


class Article(TimestampMixin, Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Rendered and sanitised once, when the article is saved, never per request.
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=Status.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a scheduled draft goes public (UTC); cleared once published or cancelled.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    # Kept in step by the favorite services, so lists never count rows per article.
    favorites_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # One of the author's uploads; deleting the upload leaves the article without one.
    cover_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"), index=True
    )
    # Counted by the rules whenever the body changes: cards show reading time without
    # loading bodies.
    word_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # Newsletter: mail the article to its subscribers when it is published (the writer's
    # "also send by email" switch).
    send_email: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    # The language the article is written in (a BCP 47 tag such as "de" or "pt-BR"),
    # whatever the reader's interface language; None: the site's.
    language: Mapped[str | None] = mapped_column(String(35))
    # Bumped on every change; the APIs' ETags come from it.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    author: Mapped[User] = relationship(back_populates="articles", lazy="raise_on_sql")
    # Lists and pages join it with the author (queries._loaded), never one query each.
    cover: Mapped[Media | None] = relationship(lazy="raise_on_sql")
    tags: Mapped[list[Tag]] = relationship(
        secondary=article_tags, order_by=Tag.name, lazy="raise_on_sql"
    )

    __table_args__ = (
        CheckConstraint("status in ('draft', 'published')", name="status"),
        CheckConstraint("favorites_count >= 0", name="favorites_count_non_negative"),
        # Home page, tag and search lists: published, newest first.
        Index("ix_articles_status_published_at_id", "status", "published_at", "id"),
        # A profile's articles and "my articles".
        Index("ix_articles_author_id_status_published_at", "author_id", "status", "published_at"),
        Index("ix_articles_author_id_updated_at", "author_id", "updated_at"),
    )

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED.value

    @property
    def reading_minutes(self) -> int:
        return reading.reading_minutes(self.word_count or 0)

    @property
    def tag_names(self) -> list[str]:
        # Lists fetch only the names (set_listed_tag_names); once the collection itself
        # is loaded or assigned, it is the truth.
        listed = self.__dict__.get(_LISTED_TAG_NAMES)
        if listed is not None and "tags" not in self.__dict__:
            return list(listed)
        return [tag.name for tag in self.tags]

    def set_listed_tag_names(self, names: list[str]) -> None:
        """Tag names a list fetched as plain strings, instead of loading ``tags``."""
        # Not a mapped attribute: the ORM neither tracks nor expires it.
        self.__dict__[_LISTED_TAG_NAMES] = names

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class Favorite(Base):
    __tablename__ = "favorites"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    __table_args__ = (Index("ix_favorites_user_id_created_at", "user_id", "created_at"),)


class DraftLink(Base):
    """A secret, revocable link to read a draft without an account. Only a hash of the
    token is kept: a leaked database gives no working links."""

    __tablename__ = "draft_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
