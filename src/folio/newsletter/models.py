"""Newsletter subscribers, and one row per (article, address) mailed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from folio.core.models import Base, UTCDateTime, now_utc

EMAIL_MAX = 254


class Subscriber(Base):
    """A confirmed address on an author's list (``author_id``) or the whole site's (None).

    Only confirmed addresses are stored: an unconfirmed request lives in its signed link.
    """

    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Lower-cased, as accounts store theirs, so a member and a subscriber match.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # How the address came: "form", "api", or "import" (the writer affirmed consent).
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="form")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=now_utc)
    # The language the reader subscribed in: their mails are written in it.
    locale: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("author_id", "email", name="uq_newsletter_subscribers_author_id_email"),
        # NULL never equals NULL in a unique constraint: the site list needs its own.
        Index(
            "uq_newsletter_subscribers_site_email",
            "email",
            unique=True,
            sqlite_where=text("author_id IS NULL"),
            postgresql_where=text("author_id IS NULL"),
        ),
        # The writer's page: newest first, and growth per day.
        Index("ix_newsletter_subscribers_author_id_created_at", "author_id", "created_at"),
    )


class SendStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    # Claimed by a worker that died before it said how the send went: never retried, as
    # the message may have left (at most once, as the brief's idempotency asks).
    UNKNOWN = "unknown"


class Send(Base):
    """One article to one address. The unique pair is the idempotency key: a row is
    claimed (pending -> sending) by exactly one worker before its message is sent."""

    __tablename__ = "newsletter_sends"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=False
    )
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=SendStatus.PENDING)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("article_id", "email", name="uq_newsletter_sends_article_id_email"),
        CheckConstraint("status in ('pending', 'sending', 'sent', 'unknown')", name="status"),
        Index("ix_newsletter_sends_article_id_status", "article_id", "status"),
    )
