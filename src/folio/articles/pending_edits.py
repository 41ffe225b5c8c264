"""Pending edits: what a writer autosaved on a published article, not yet published.

One per article. Readers keep seeing the article as it was published until the writer
presses "Publish update" (folio.articles.autosave.publish_pending).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from folio.accounts.models import User
from folio.core.models import Base, UTCDateTime, now_utc
from folio.media.models import Media


class PendingEdit(Base):
    __tablename__ = "article_pending_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Deleting the upload leaves the pending edit without a cover, as it does the article.
    cover_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"), index=True
    )
    # The article's version this edit was written on: publishing it on a newer one is a
    # conflict the writer resolves, never a silent overwrite.
    base_version: Mapped[int] = mapped_column(Integer, nullable=False)
    # Bumped on every autosave, so two tabs editing the pending edit see each other.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    editing_session: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    cover: Mapped[Media | None] = relationship(lazy="raise_on_sql")
    user: Mapped[User] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<PendingEdit article={self.article_id} v{self.version}>"
