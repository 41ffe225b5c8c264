"""What federation records: the fediverse's reactions and replies change public pages
(an article's "From the fediverse" section), so the public cache must forget them."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class RemoteInteractionChanged(DomainEvent):
    """A like, boost or reply from the fediverse came, changed or went (or a domain block
    hid some): the article's public page changed."""

    NAME = "federation.interaction_changed"
    article_id: int | None = None
