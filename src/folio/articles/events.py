"""What happens to articles. Recorded by the article rules, dispatched after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ArticleEvent(DomainEvent):
    article_id: int
    author_id: int


@dataclass(frozen=True, kw_only=True)
class ArticleCreated(ArticleEvent):
    NAME = "article.created"


@dataclass(frozen=True, kw_only=True)
class ArticlePublished(ArticleEvent):
    """A draft became public (at creation, by hand, or later by a task)."""

    NAME = "article.published"


@dataclass(frozen=True, kw_only=True)
class ArticleUpdated(ArticleEvent):
    NAME = "article.updated"


@dataclass(frozen=True, kw_only=True)
class ArticleUnpublished(ArticleEvent):
    NAME = "article.unpublished"


@dataclass(frozen=True, kw_only=True)
class ArticleDeleted(ArticleEvent):
    NAME = "article.deleted"
    slug: str


@dataclass(frozen=True, kw_only=True)
class ArticleFavorited(ArticleEvent):
    NAME = "article.favorited"
    user_id: int


@dataclass(frozen=True, kw_only=True)
class ArticleUnfavorited(ArticleEvent):
    NAME = "article.unfavorited"
    user_id: int


@dataclass(frozen=True, kw_only=True)
class ArticleScheduled(ArticleEvent):
    """A draft was given (or moved to) a moment to go public; readers see nothing yet."""

    NAME = "article.scheduled"
    CHANGES_PUBLIC_DATA = False
    publish_at: str  # ISO 8601, UTC


@dataclass(frozen=True, kw_only=True)
class ArticleScheduleCancelled(ArticleEvent):
    NAME = "article.schedule_cancelled"
    CHANGES_PUBLIC_DATA = False
