"""What happens to accounts."""

from __future__ import annotations

from dataclasses import dataclass

from folio.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class AccountEvent(DomainEvent):
    user_id: int


@dataclass(frozen=True, kw_only=True)
class UserRegistered(AccountEvent):
    NAME = "user.registered"


@dataclass(frozen=True, kw_only=True)
class ProfileUpdated(AccountEvent):
    """Name, username, bio, image or email changed: pages that show the author change."""

    NAME = "user.updated"


@dataclass(frozen=True, kw_only=True)
class AccountDeactivated(AccountEvent):
    NAME = "user.deactivated"


@dataclass(frozen=True, kw_only=True)
class AccountDeleted(AccountEvent):
    """The account and everything in it are gone for good."""

    NAME = "user.deleted"


@dataclass(frozen=True, kw_only=True)
class AccountReactivated(AccountEvent):
    NAME = "user.reactivated"


@dataclass(frozen=True, kw_only=True)
class RoleChanged(AccountEvent):
    NAME = "user.role_changed"


@dataclass(frozen=True, kw_only=True)
class PasswordResetRequested(AccountEvent):
    """Someone asked for a reset link; the email goes out after the commit."""

    NAME = "user.password_reset_requested"
    CHANGES_PUBLIC_DATA = False
