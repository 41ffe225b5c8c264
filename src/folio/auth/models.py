"""Revoked JWTs: the durable token blocklist (Redis, when configured, only caches it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from folio.core.models import Base, UTCDateTime


class RevokedToken(Base):
    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Rows past their token's expiry can be purged; the token is dead either way.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
