"""Accounts: registration, sign-in, profile changes, passwords, deactivation."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources
from typing import TypedDict
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from folio.accounts import events as account_events
from folio.core.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from folio.core.events import record
from folio.i18n import N_, supported
from folio.models import Role, User, now_utc, username_key

USERNAME_RE = re.compile(r"^[A-Za-z0-9_-]{3,30}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 256
BIO_MAX = 2000
DISPLAY_NAME_MAX = 80
IMAGE_URL_MAX = 500
BLANK = N_("can't be blank")
TAKEN = N_("has already been taken")
# "%(count)d" is the limit: the pages translate the message as this template.
TOO_SHORT = N_("is too short (minimum is %(count)d characters)")
TOO_LONG = N_("is too long (maximum is %(count)d characters)")
RESET_SALT = "folio.password-reset"

# Werkzeug's default (scrypt) unless the app's PASSWORD_HASH_METHOD says otherwise: the
# testing profile picks a cheap one, since a suite signs in hundreds of times.
_hash_method: str | None = None


def configure_password_hashing(method: str | None) -> None:
    """Set how new passwords are hashed (None: Werkzeug's default). Existing hashes name
    their own method, so they keep verifying whatever is set here."""
    global _hash_method
    _hash_method = method or None


@lru_cache(maxsize=4)
def _dummy_hash(method: str | None) -> str:
    # Compared against when no account matches, so a wrong email costs as long as a
    # wrong password and response times do not reveal who has an account.
    return hash_password("folio-timing-equaliser")


class ProfileChanges(TypedDict, total=False):
    username: str | None
    email: str | None
    display_name: str | None
    bio: str | None
    image_url: str | None
    password: str | None
    email_notifications: bool


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("folio").joinpath("data/common_passwords.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def hash_password(password: str) -> str:
    if _hash_method:
        return generate_password_hash(password, method=_hash_method)
    return generate_password_hash(password)


def password_problems(password: str | None, *, refuse_common: bool = True) -> list[str]:
    """What is wrong with a new password, as messages; empty when it is acceptable.

    The password is checked as typed: no trimming, so spaces count.
    """
    if password is None or password == "":
        return [BLANK]
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(TOO_SHORT % {"count": PASSWORD_MIN})
    elif len(password) > PASSWORD_MAX:
        problems.append(TOO_LONG % {"count": PASSWORD_MAX})
    elif refuse_common and password.lower() in common_passwords():
        problems.append(N_("is too common; choose one that is harder to guess"))
    return problems


def normalise_username(username: str | None) -> str:
    return (username or "").strip()


def username_problems(username: str) -> list[str]:
    if not username:
        return [BLANK]
    if not USERNAME_RE.match(username):
        return [N_("must be 3 to 30 letters, digits, '_' or '-'")]
    return []


def normalise_email(email: str | None) -> tuple[str, list[str]]:
    """The canonical form of an address (lower-cased), or the problems with it."""
    email = (email or "").strip()
    if not email:
        return "", [BLANK]
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email, [N_("is invalid")]
    return result.normalized.lower(), []


def _image_problems(url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return [N_("must be an http or https URL")]
    if len(url) > IMAGE_URL_MAX:
        return [TOO_LONG % {"count": IMAGE_URL_MAX}]
    return []


def find_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == username_key(username)))


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def get_profile(session: Session, username: str) -> User:
    """An active user by username (any case), or NotFound("profile")."""
    user = find_user_by_username(session, username)
    if user is None or not user.is_active:
        raise NotFound("profile")
    return user


def _check_unique(
    session: Session,
    errors: dict[str, list[str]],
    *,
    username: str | None,
    email: str | None,
    exclude_id: int | None = None,
) -> None:
    if username and "username" not in errors:
        other = find_user_by_username(session, username)
        if other is not None and other.id != exclude_id:
            errors["username"] = [TAKEN]
    if email and "email" not in errors:
        other = find_user_by_email(session, email)
        if other is not None and other.id != exclude_id:
            errors["email"] = [TAKEN]


def register(
    session: Session,
    *,
    username: str | None,
    email: str | None,
    password: str | None,
    refuse_common_passwords: bool = True,
    role: Role = Role.AUTHOR,
) -> User:
    """Create an account.

    :raises ValidationFailed: a field is blank or malformed (every bad field is named).
    :raises Conflict: the username (in any case) or the email is taken (409).
    """
    username = normalise_username(username)
    canonical_email, email_errors = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if problems := username_problems(username):
        errors["username"] = problems
    if email_errors:
        errors["email"] = email_errors
    if problems := password_problems(password, refuse_common=refuse_common_passwords):
        errors["password"] = problems
    if errors:
        raise ValidationFailed(errors)
    conflicts: dict[str, list[str]] = {}
    _check_unique(session, conflicts, username=username, email=canonical_email)
    if conflicts:
        raise Conflict(conflicts)
    assert password is not None  # noqa: S101 - password_problems() refused None above
    user = User(
        username=username,
        username_key=username_key(username),
        email=canonical_email,
        password_hash=hash_password(password),
        role=role.value,
    )
    session.add(user)
    session.flush()
    record(session, account_events.UserRegistered(user_id=user.id))
    return user


def authenticate(session: Session, *, email: str | None, password: str | None) -> User:
    """The active account with this email and password.

    :raises ValidationFailed: email or password is blank.
    :raises Unauthorized: ``credentials: invalid`` for any wrong or inactive account.
    """
    errors: dict[str, list[str]] = {}
    if not (email or "").strip():
        errors["email"] = [BLANK]
    if not password:
        errors["password"] = [BLANK]
    if errors or email is None or password is None:
        raise ValidationFailed(errors)
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_dummy_hash(_hash_method), password)
        raise Unauthorized({"credentials": [N_("invalid")]})
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        raise Unauthorized({"credentials": [N_("invalid")]})
    return user


def verify_password(user: User, password: str | None) -> bool:
    return bool(password) and check_password_hash(user.password_hash, password or "")


def update_profile(
    session: Session,
    actor: User,
    changes: ProfileChanges,
    *,
    current_password: str | None = None,
    require_current_password: bool = True,
    refuse_common_passwords: bool = True,
) -> User:
    """Apply ``changes`` to the actor's own account.

    Only keys present in ``changes`` are touched. ``bio``, ``image_url`` and
    ``display_name`` may be cleared (``""`` or None are stored as None); ``username`` and
    ``email`` may not. A new email or password needs ``current_password`` unless the
    caller's face has no such field (``require_current_password=False``, RealWorld).
    A new password ends every other session and token (the session version moves).

    :raises ValidationFailed: with every bad field named.
    :raises Conflict: the new username or email is taken.
    """
    errors: dict[str, list[str]] = {}
    updates: dict[str, object] = {}
    _identity_updates(actor, changes, updates, errors)
    _public_profile_updates(changes, updates, errors)
    new_password = changes.get("password")
    if "password" in changes:
        if problems := password_problems(new_password, refuse_common=refuse_common_passwords):
            errors["password"] = problems
    sensitive = "email" in updates or ("password" in changes and new_password)
    if sensitive and require_current_password and not verify_password(actor, current_password):
        errors["current_password"] = [BLANK if not current_password else N_("is incorrect")]
    if errors:
        raise ValidationFailed(errors)
    conflicts: dict[str, list[str]] = {}
    _check_unique(
        session,
        conflicts,
        username=updates.get("username"),  # type: ignore[arg-type]
        email=updates.get("email"),  # type: ignore[arg-type]
        exclude_id=actor.id,
    )
    if conflicts:
        raise Conflict(conflicts)
    for key, value in updates.items():
        setattr(actor, key, value)
    if "password" in changes and new_password:
        _set_password(actor, new_password)
    session.flush()
    if updates:
        record(session, account_events.ProfileUpdated(user_id=actor.id))
    return actor


def _identity_updates(
    actor: User,
    changes: ProfileChanges,
    updates: dict[str, object],
    errors: dict[str, list[str]],
) -> None:
    """Username and email: never cleared, unique, and changed only when they differ."""
    if "username" in changes:
        username = normalise_username(changes["username"])
        if problems := username_problems(username):
            errors["username"] = problems
        elif username != actor.username:
            updates["username"] = username
            updates["username_key"] = username_key(username)
    if "email" in changes and not _same_email(changes["email"], actor.email):
        email, problems = normalise_email(changes["email"])
        if problems:
            errors["email"] = problems
        elif email != actor.email:
            updates["email"] = email


def _public_profile_updates(
    changes: ProfileChanges, updates: dict[str, object], errors: dict[str, list[str]]
) -> None:
    """Name, bio, image and the email switch: optional, cleared by an empty value."""
    if "display_name" in changes:
        name = (changes["display_name"] or "").strip()
        if len(name) > DISPLAY_NAME_MAX:
            errors["display_name"] = [TOO_LONG % {"count": DISPLAY_NAME_MAX}]
        updates["display_name"] = name or None
    if "bio" in changes:
        bio = (changes["bio"] or "").strip()
        if len(bio) > BIO_MAX:
            errors["bio"] = [TOO_LONG % {"count": BIO_MAX}]
        updates["bio"] = bio or None
    if "image_url" in changes:
        image = (changes["image_url"] or "").strip()
        if image and (problems := _image_problems(image)):
            errors["image_url"] = problems
        updates["image_url"] = image or None
    if "email_notifications" in changes:
        updates["email_notifications"] = bool(changes["email_notifications"])


def _same_email(submitted: str | None, current: str) -> bool:
    # Settings forms resend the address unchanged; an address stored once (perhaps before
    # today's validation rules) is not re-validated then, or its owner could save nothing.
    return (submitted or "").strip().lower() == current


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = now_utc()
    user.session_version += 1


def change_password(
    session: Session,
    actor: User,
    *,
    current_password: str | None,
    new_password: str | None,
    refuse_common_passwords: bool = True,
) -> User:
    """Set a new password after checking the current one; ends every other session."""
    return update_profile(
        session,
        actor,
        {"password": new_password},
        current_password=current_password,
        refuse_common_passwords=refuse_common_passwords,
    )


def stop_email_notifications(session: Session, user: User) -> None:
    """The owner of an unsubscribe link gets no more notification emails."""
    user.email_notifications = False
    session.flush()


def set_locale(session: Session, user: User, locale: str | None) -> None:
    """The interface language the user reads in; None: their browser's."""
    user.locale = supported(locale)
    session.flush()


def sign_out_everywhere(session: Session, actor: User) -> None:
    """Invalidate every session and token the actor holds."""
    actor.session_version += 1
    session.flush()


def deactivate(session: Session, actor: User, target: User) -> User:
    """Deactivate an account (the owner or an admin); it is signed out everywhere.

    :raises Forbidden: the actor is neither the owner nor an admin.
    """
    if actor.id != target.id and not actor.is_admin:
        raise Forbidden("user")
    target.is_active = False
    target.session_version += 1
    session.flush()
    record(session, account_events.AccountDeactivated(user_id=target.id))
    return target


def delete_account(session: Session, actor: User, target: User) -> None:
    """Delete an account for good with its articles, comments, favorites and follows (the
    owner, or an admin for someone else). Uploads go through ``media.rules.close_account``,
    which calls this.

    :raises Forbidden: the actor is neither the owner nor an admin.
    """
    if actor.id != target.id and not actor.is_admin:
        raise Forbidden("user")
    deleted = account_events.AccountDeleted(user_id=target.id)
    session.delete(target)
    session.flush()
    record(session, deleted)


def reactivate(session: Session, actor: User, target: User) -> User:
    if not actor.is_admin:
        raise Forbidden("user")
    target.is_active = True
    session.flush()
    record(session, account_events.AccountReactivated(user_id=target.id))
    return target


def set_role(session: Session, actor: User, target: User, role: Role) -> User:
    if not actor.is_admin:
        raise Forbidden("user")
    target.role = role.value
    session.flush()
    record(session, account_events.RoleChanged(user_id=target.id))
    return target


# Password reset: a signed, timed token. It carries a fingerprint of the password hash
# and session version, so it dies once used (the password changes) or on sign-out-all.


def _reset_fingerprint(user: User) -> str:
    material = f"{user.password_hash}:{user.session_version}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def make_password_reset_token(user: User, secret_key: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=RESET_SALT)
    return serializer.dumps({"uid": user.id, "fp": _reset_fingerprint(user)})


def user_for_reset_token(session: Session, token: str, secret_key: str, max_age: int) -> User:
    """The user a valid, unused, unexpired reset token belongs to.

    :raises ValidationFailed: ``token`` is invalid, expired or already used.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=RESET_SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationFailed({"token": [N_("has expired")]}) from exc
    except BadSignature as exc:
        raise ValidationFailed({"token": [N_("is invalid")]}) from exc
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get("fp") != _reset_fingerprint(user):
        raise ValidationFailed({"token": [N_("is invalid or has already been used")]})
    return user


def request_password_reset(session: Session, email: str | None) -> None:
    """Ask for a reset link for the active account with ``email``, if there is one.

    The answer never says whether there is: the email goes out after the commit.
    """
    user = find_user_by_email(session, email or "")
    if user is not None and user.is_active:
        record(session, account_events.PasswordResetRequested(user_id=user.id))


def reset_password(
    session: Session,
    token: str,
    new_password: str | None,
    *,
    secret_key: str,
    max_age: int,
    refuse_common_passwords: bool = True,
) -> User:
    """Set a new password from a reset token; the token then stops working."""
    user = user_for_reset_token(session, token, secret_key, max_age)
    if problems := password_problems(new_password, refuse_common=refuse_common_passwords):
        raise ValidationFailed({"password": problems})
    assert new_password is not None  # noqa: S101 - password_problems() refused None
    _set_password(user, new_password)
    session.flush()
    return user
