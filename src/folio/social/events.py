"""Who follows whom."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class Followed(DomainEvent):
    NAME = "user.followed"
    follower_id: int
    followee_id: int


@dataclass(frozen=True, kw_only=True)
class Unfollowed(DomainEvent):
    NAME = "user.unfollowed"
    follower_id: int
    followee_id: int
