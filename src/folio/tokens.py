"""JWTs for both APIs: issue, verify, revoke. One account, one kind of token.

Tokens are made with Flask-JWT-Extended and signed with ``JWT_SECRET_KEY`` (never the
session key). Each carries the user's session version (``sv``), so a password change, a
deactivation or "sign out everywhere" invalidates every earlier token, and a ``kid``
header naming its key, so ``JWT_SECRET_KEY_FALLBACKS`` keeps tokens signed with a
retired key valid until they expire.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt as pyjwt
from flask import Flask, current_app, g, request
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from sqlalchemy import delete

from folio.extensions import cache, db, jwt
from folio.models import RevokedToken, User
from folio.services.errors import Unauthorized


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _keys() -> dict[str, str]:
    config = current_app.config
    keys = [config["JWT_SECRET_KEY"], *config.get("JWT_SECRET_KEY_FALLBACKS", [])]
    return {key_id(k): k for k in keys}


def _claims(user: User) -> dict[str, Any]:
    return {"sv": user.session_version}


def _headers() -> dict[str, str]:
    return {"kid": key_id(current_app.config["JWT_SECRET_KEY"])}


def issue_access_token(
    user: User, expires: timedelta | None = None, claims: dict[str, Any] | None = None
) -> str:
    """An access token for ``user``; ``claims`` are added to it (e.g. the refresh token it
    was issued with, so signing out can revoke both)."""
    return create_access_token(
        identity=str(user.id),
        additional_claims={**(claims or {}), **_claims(user)},
        additional_headers=_headers(),
        expires_delta=expires if expires is not None else None,
    )


def issue_refresh_token(user: User) -> str:
    return create_refresh_token(
        identity=str(user.id), additional_claims=_claims(user), additional_headers=_headers()
    )


def decode_user_token(
    encoded: str,
    token_type: str = "access",  # noqa: S107 - a token kind, not a secret
) -> tuple[User, dict[str, Any]]:
    """The active user a valid token of ``token_type`` belongs to, with its claims.

    :raises Unauthorized: ``token`` is malformed, tampered, expired, revoked, of the
        wrong type, or older than the user's last password change or sign-out.
    """
    try:
        claims = decode_token(encoded)
    except pyjwt.ExpiredSignatureError as exc:
        raise Unauthorized({"token": ["has expired"]}) from exc
    except (pyjwt.PyJWTError, JWTExtendedException, ValueError, KeyError) as exc:
        raise Unauthorized({"token": ["is invalid"]}) from exc
    if claims.get("type") != token_type:
        raise Unauthorized({"token": [f"is not an {token_type} token"]})
    if is_revoked(claims["jti"]):
        raise Unauthorized({"token": ["has been revoked"]})
    try:
        user = db.session.get(User, int(claims["sub"]))
    except (TypeError, ValueError) as exc:
        raise Unauthorized({"token": ["is invalid"]}) from exc
    if user is None or not user.is_active or claims.get("sv") != user.session_version:
        raise Unauthorized({"token": ["is no longer valid"]})
    return user, claims


def bearer_token(scheme: str) -> str | None:
    """The token in ``Authorization: <scheme> <token>``; None when the header is absent.

    :raises Unauthorized: the header is present but not of that form.
    """
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    parts = header.split(None, 1)
    if len(parts) != 2 or parts[0].lower() != scheme.lower() or not parts[1].strip():
        raise Unauthorized({"token": [f"must be sent as 'Authorization: {scheme} <token>'"]})
    return parts[1].strip()


def request_user(scheme: str, *, required: bool) -> User | None:
    """The user behind the request's token (cached on ``g`` for the request)."""
    cache_key = f"api_user_{scheme}"
    if cache_key in g:
        user = g.get(cache_key)
    else:
        token = bearer_token(scheme)
        user = decode_user_token(token)[0] if token else None
        setattr(g, cache_key, user)
    if user is None and required:
        raise Unauthorized({"token": ["is missing"]})
    return user


# --- the blocklist: Redis when configured, else the database; both outlive a restart --


def _expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(claims.get("exp", 0)), tz=UTC)


def revoke(claims: dict[str, Any]) -> None:
    """Revoke one token until it would have expired anyway."""
    expires_at = _expiry(claims)
    if current_app.config.get("REDIS_URL"):
        ttl = max(1, int((expires_at - datetime.now(UTC)).total_seconds()))
        cache.set(f"revoked:{claims['jti']}", 1, timeout=ttl)
        return
    db.session.merge(RevokedToken(jti=claims["jti"], expires_at=expires_at))


def is_revoked(jti: str) -> bool:
    if current_app.config.get("REDIS_URL"):
        return bool(cache.get(f"revoked:{jti}"))
    return db.session.get(RevokedToken, jti) is not None


def purge_expired_revocations() -> int:
    result = db.session.execute(
        delete(RevokedToken).where(RevokedToken.expires_at < datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def init_jwt(app: Flask) -> None:
    jwt.init_app(app)

    @jwt.decode_key_loader
    def _decode_key(header: dict[str, Any], _payload: dict[str, Any]) -> str:
        keys = _keys()
        # No kid, or an unknown one, gets the current key and fails its signature check.
        return keys.get(str(header.get("kid")), current_app.config["JWT_SECRET_KEY"])
