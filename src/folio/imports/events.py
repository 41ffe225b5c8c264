"""What imports record. An imported article is new public content (the caches and list
totals must know), but not news: no "published" event, so followers are not emailed
about posts written years ago."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ArticleImported(DomainEvent):
    NAME = "article.imported"

    article_id: int
    author_id: int


@dataclass(frozen=True, kw_only=True)
class ImportQueued(DomainEvent):
    """Its owner accepted a dry run: the task runs it (after the commit)."""

    NAME = "import.queued"
    CHANGES_PUBLIC_DATA = False

    run_id: int
