"""What happens to exports. Subscribers only enqueue the task that builds the archive."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ExportRequested(DomainEvent):
    """Someone asked for an archive; the task builds it after the commit."""

    NAME = "export.requested"
    CHANGES_PUBLIC_DATA = False
    export_id: int
    owner_id: int
