"""What imports remember: each item they created (so a second run creates nothing
twice), old addresses that now redirect, and each run with its report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from folio.core.models import Base, UTCDateTime, now_utc


class ImportedItem(Base):
    """One thing an import created: ``(source, source_key, kind)`` names it in the file,
    ``target_id`` is the article, comment or user it became."""

    __tablename__ = "imported_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "ghost:<site>", "wordpress:<site>", "markdown:<archive>": where the key is unique.
    source: Mapped[str] = mapped_column(String(255), nullable=False)
    source_key: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)

    __table_args__ = (
        CheckConstraint("kind in ('article', 'comment', 'user')", name="kind"),
        UniqueConstraint("source", "source_key", "kind", name="uq_imported_items_source_key_kind"),
    )


class LegacyRedirect(Base):
    """An address the article had on its old site (``/2019/05/title``, ``/?p=123``)."""

    __tablename__ = "legacy_redirects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(500), nullable=False, unique=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
    )


class ImportRun(Base):
    """An uploaded file from its dry run to its report."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    # planned (dry run shown) -> queued -> running -> done | failed
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planned")
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, nullable=False, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(
            "status in ('planned', 'queued', 'running', 'done', 'failed')", name="status"
        ),
        Index("ix_import_runs_owner_id_created_at", "owner_id", "created_at"),
    )
