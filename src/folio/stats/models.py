"""What the statistics keep: per article and day, views, unique visitors and referrer
hosts. Nothing identifies a reader: no IP address, no cookie, no full referrer URL.

``StatsVisitor`` and ``StatsSalt`` hold only today's pseudonymous visitor hashes and the
day's random salt, when counting without Redis; the rollup deletes earlier days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from folio.core.models import Base

# Longest DNS name (RFC 1035); "" means direct (no referrer, or one that was not a URL).
HOST_LENGTH = 253
VISITOR_LENGTH = 32


class ArticleDay(Base):
    """One article's views on one UTC day: ``views`` counts page views (every beacon),
    ``visitors`` counts distinct visitors of that article that day."""

    __tablename__ = "stats_article_days"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    visitors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    # The site-wide dashboard reads a range of days over every article.
    __table_args__ = (Index("ix_stats_article_days_day", "day"),)


class ReferrerDay(Base):
    """Views of one article on one day that came from one referring host."""

    __tablename__ = "stats_referrer_days"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    host: Mapped[str] = mapped_column(String(HOST_LENGTH), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (Index("ix_stats_referrer_days_day", "day"),)


class StatsVisitor(Base):
    """A visitor hash seen today on an article (counting without Redis only)."""

    __tablename__ = "stats_visitors"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(VISITOR_LENGTH), primary_key=True)


class StatsSalt(Base):
    """The random salt of one UTC day's visitor hashes (counting without Redis only)."""

    __tablename__ = "stats_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
