"""An export being built, or built: who asked, what, where the archive is stored."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from folio.core.models import Base, UTCDateTime, now_utc


class ExportKind(enum.StrEnum):
    USER = "user"
    SITE = "site"


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class Export(Base):
    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Left null when the owner's account is deleted: the row stays until the prune task
    # has deleted its archive (it prunes ownerless exports at once), so no file outlives
    # its row unnoticed.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default=ExportKind.USER.value)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=ExportStatus.PENDING.value
    )
    # Under the storage's exports/ prefix, which the public /media route never serves.
    storage_key: Mapped[str | None] = mapped_column(String(120))
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # After this the archive is deleted (the prune task) and its links answer 410.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("kind in ('user', 'site')", name="kind"),
        CheckConstraint("status in ('pending', 'running', 'ready', 'failed')", name="status"),
        # "Your exports", newest first.
        Index("ix_exports_owner_id_created_at", "owner_id", "created_at"),
        # The prune task's look-up.
        Index("ix_exports_expires_at", "expires_at"),
    )

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY.value

    @property
    def in_progress(self) -> bool:
        return self.status in (ExportStatus.PENDING.value, ExportStatus.RUNNING.value)

    def __repr__(self) -> str:
        return f"<Export {self.id} {self.kind} {self.status}>"
