"""Profiles and the follow graph."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Integer, Select, bindparam, delete, select
from sqlalchemy.orm import Session

from folio.accounts.rules import get_profile
from folio.core.errors import ValidationFailed
from folio.core.events import record
from folio.i18n import N_
from folio.models import Follow, User
from folio.social.events import Followed, Unfollowed


@dataclass(frozen=True, slots=True)
class ProfileView:
    """What anyone may see of a user, for one viewer: an immutable read model that the
    faces serialise (never the email)."""

    username: str
    display_name: str | None
    bio: str | None
    image_url: str | None
    following: bool
    # An uploaded avatar's storage key; the faces make its URL.
    avatar_key: str | None = None

    @property
    def name(self) -> str:  # as ``User.name``: what pages call the person
        return self.display_name or self.username

    @classmethod
    def of(cls, user: User, following: bool) -> ProfileView:
        return cls(
            user.username, user.display_name, user.bio, user.image_url, following, user.avatar_key
        )


@dataclass(frozen=True)
class Profile:
    user: User
    following: bool

    @property
    def view(self) -> ProfileView:
        return ProfileView.of(self.user, self.following)


def is_following(session: Session, viewer: User | None, user_id: int) -> bool:
    if viewer is None or viewer.id == user_id:
        return False
    params = {"follower_id": viewer.id, "followee_id": user_id}
    return session.scalar(_follow_statement(), params) is not None


@functools.cache
def _follow_statement() -> Select[int]:
    # Built once: every article a signed-in reader opens or favorites asks it.
    return select(Follow.follower_id).where(
        Follow.follower_id == bindparam("follower_id", type_=Integer),
        Follow.followee_id == bindparam("followee_id", type_=Integer),
    )


def profile(session: Session, viewer: User | None, username: str) -> Profile:
    """A public profile with whether the viewer follows it.

    :raises NotFound: ``profile`` when no active user has that name.
    """
    user = get_profile(session, username)
    return Profile(user, is_following(session, viewer, user.id))


def follow(session: Session, actor: User, username: str) -> Profile:
    """Follow a user; following twice changes nothing.

    :raises ValidationFailed: an actor cannot follow themself.
    """
    user = get_profile(session, username)
    if user.id == actor.id:
        raise ValidationFailed({"profile": [N_("cannot follow yourself")]})
    if not is_following(session, actor, user.id):
        session.add(Follow(follower_id=actor.id, followee_id=user.id))
        session.flush()
        record(session, Followed(follower_id=actor.id, followee_id=user.id))
    return Profile(user, True)


def unfollow(session: Session, actor: User, username: str) -> Profile:
    """Stop following a user; unfollowing someone not followed changes nothing."""
    user = get_profile(session, username)
    removed = session.execute(
        delete(Follow).where(Follow.follower_id == actor.id, Follow.followee_id == user.id)
    )
    session.flush()
    if getattr(removed, "rowcount", 0):
        record(session, Unfollowed(follower_id=actor.id, followee_id=user.id))
    return Profile(user, False)


def follower_ids(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(Follow.follower_id).where(Follow.followee_id == user_id)))
