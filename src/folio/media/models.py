"""Uploaded images: one row per upload of a user, the stored objects shared by content."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from folio.core.models import Base, UTCDateTime, now_utc


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    AVATAR = "avatar"


# Storage keys start with the kind's folder: an avatar (a square crop) and an image made
# from the same file are different objects.
KIND_FOLDERS = {MediaKind.IMAGE.value: "images", MediaKind.AVATAR.value: "avatars"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif"}


class Media(Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default=MediaKind.IMAGE.value)
    # SHA-256 of the uploaded bytes: the storage keys derive from it, so the same file
    # uploaded twice (by anyone) is stored once.
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    format: Mapped[str] = mapped_column(String(8), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    # Bytes of the stored original: what the quota counts.
    bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    frames: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # The variants this original gets ([{"name", "width", "height"}]), planned at upload;
    # ``ready`` once a task (or the request, on the embedded default) has stored them.
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    ready: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    __table_args__ = (
        CheckConstraint("kind in ('image', 'avatar')", name="kind"),
        CheckConstraint("format in ('jpeg', 'png', 'webp', 'gif')", name="format"),
        UniqueConstraint("owner_id", "kind", "content_hash", name="uq_media_owner_kind_hash"),
        # Serving looks uploads up by their key's hash.
        Index("ix_media_content_hash", "content_hash"),
        Index("ix_media_owner_id_created_at", "owner_id", "created_at"),
    )

    @property
    def folder(self) -> str:
        return KIND_FOLDERS[self.kind]

    @property
    def original_name(self) -> str:
        return f"original.{EXTENSIONS[self.format]}"

    @property
    def original_key(self) -> str:
        return self.original_key_of(self.kind, self.content_hash, self.format)

    @staticmethod
    def original_key_of(kind: str, content_hash: str, format: str) -> str:
        """The original's storage key from its columns (lists read them without a Media)."""
        return f"{KIND_FOLDERS[kind]}/{content_hash}/original.{EXTENSIONS[format]}"

    def key(self, name: str) -> str:
        return f"{self.folder}/{self.content_hash}/{name}"

    @property
    def keys(self) -> list[str]:
        """Every stored object of this upload: the original and its variants."""
        return [self.original_key] + [self.key(v["name"]) for v in self.variants]

    def __repr__(self) -> str:
        return f"<Media {self.id} {self.original_key}>"


# Which articles show which uploads (body images and covers), kept by the article rules
# on every save: "My media" tells what deleting an image would break.
article_media = Table(
    "article_media",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("media_id", ForeignKey("media.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_media_media_id", "media_id"),
)
