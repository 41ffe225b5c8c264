"""Accounts: who writes and reads, their roles and sessions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from folio.core.models import Base, TimestampMixin, UTCDateTime, now_utc

if TYPE_CHECKING:
    from folio.articles.models import Article


class Role(enum.StrEnum):
    AUTHOR = "author"
    ADMIN = "admin"


def username_key(username: str) -> str:
    """The case-insensitive form a username is unique and looked up by."""
    return username.strip().lower()


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(30), nullable=False)
    # Lower-cased copy that carries the uniqueness, so "Alice" and "alice" cannot coexist
    # and look-ups by name are case-insensitive on every backend.
    username_key: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(80))
    bio: Mapped[str | None] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(500))
    # An uploaded avatar's storage key (a square original; media.variants names its
    # sizes). Shown before ``image_url``; initials when neither is set.
    avatar_key: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=Role.AUTHOR.value)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Bumped by "sign out everywhere", a password change and deactivation; sessions and
    # tokens carry it, so older ones stop working.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    password_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=now_utc
    )
    email_notifications: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # An IANA name ("Europe/Paris"); dates are shown and entered in it. None: the browser's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # The interface language ("de"); None: the browser's (folio.i18n).
    locale: Mapped[str | None] = mapped_column(String(16))

    articles: Mapped[list[Article]] = relationship(
        back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (CheckConstraint("role in ('author', 'admin')", name="role"),)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def name(self) -> str:
        return self.display_name or self.username

    # Flask-Login's user protocol, without importing Flask into the models. The id kept
    # in the session carries the session version, so bumping the version ends every session.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"
