"""What happens to uploads. Subscribers only enqueue tasks (variants, object removal)."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MediaEvent(DomainEvent):
    media_id: int
    owner_id: int


@dataclass(frozen=True, kw_only=True)
class MediaUploaded(MediaEvent):
    """A new upload; ``needs_variants`` when no earlier upload of the same file made them."""

    NAME = "media.uploaded"
    CHANGES_PUBLIC_DATA = False
    needs_variants: bool


@dataclass(frozen=True, kw_only=True)
class MediaDeleted(MediaEvent):
    """An upload is gone; its objects go too unless another upload shares them."""

    NAME = "media.deleted"
    kind: str
    content_hash: str
    keys: tuple[str, ...]
