"""An article's revisions: what it said after each save, publish, restore or autosave."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from folio.accounts.models import User
from folio.core.models import Base, UTCDateTime, now_utc


class RevisionKind(enum.StrEnum):
    SAVE = "save"
    PUBLISH = "publish"
    AUTOSAVE = "autosave"
    RESTORE = "restore"


class BodyFormat(enum.StrEnum):
    # The whole body, zlib-compressed: the first revision and every KEYFRAME_EVERY-th.
    FULL = "full"
    # A line edit script against the previous revision's body, zlib-compressed.
    DELTA = "delta"


class ArticleRevision(Base):
    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
    )
    # 1, 2, 3... within one article: what the writer sees ("revision 7").
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    # Who saved it; an account closed since leaves the revision without one.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # When it was last written (an autosave coalescing into it moves it on).
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    editing_session: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Indexed: deleting an upload sets it to NULL here without scanning every revision.
    cover_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"), index=True
    )
    body_format: Mapped[str] = mapped_column(String(8), nullable=False)
    body_data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    # Words the body gained and lost against the previous revision: the history list's
    # summary, without rebuilding any body.
    words_added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    words_removed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    user: Mapped[User | None] = relationship(lazy="raise_on_sql")

    __table_args__ = (
        # Also the index behind "newest first" and the keyframe look-ups.
        UniqueConstraint("article_id", "number", name="uq_article_revisions_article_id_number"),
        CheckConstraint("kind in ('save', 'publish', 'autosave', 'restore')", name="kind"),
        CheckConstraint("body_format in ('full', 'delta')", name="body_format"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    def __repr__(self) -> str:
        return f"<ArticleRevision {self.article_id}#{self.number}>"
