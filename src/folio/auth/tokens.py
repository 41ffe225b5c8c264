"""JWTs for both APIs: issue, verify, revoke. One account, one kind of token.

Tokens are made with Flask-JWT-Extended and signed with ``JWT_SECRET_KEY`` (never the
session key). Each carries the user's session version (``sv``), so a password change, a
deactivation or "sign out everywhere" invalidates every earlier token, and a ``kid``
header naming its key, so ``JWT_SECRET_KEY_FALLBACKS`` keeps tokens signed with a
retired key valid until they expire.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt as pyjwt
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.config import config as jwt_settings
from sqlalchemy import Integer, Select, String, bindparam, delete, exists, select
from sqlalchemy import insert as sql_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from folio.core.errors import Unauthorized
from folio.extensions import db, jwt
from folio.models import RevokedToken, User

log = logging.getLogger(__name__)
# Where a request keeps the claims of the tokens it verified (verified_claims).
_VERIFIED = "folio.verified_tokens"


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _keys() -> dict[str, str]:
    config = current_app.config
    return _key_ids(config["JWT_SECRET_KEY"], tuple(config.get("JWT_SECRET_KEY_FALLBACKS", [])))


@functools.lru_cache(maxsize=8)
def _key_ids(current: str, fallbacks: tuple[str, ...]) -> dict[str, str]:
    # Hashed once per set of keys, not on every request.
    return {key_id(k): k for k in (current, *fallbacks)}


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


def verified_claims(encoded: str) -> dict[str, Any]:
    """The token's claims (``_verified_claims``), verified once per request.

    The rate limiter's account key and the view both read the request's token; the
    signature check and the decoding (~0.4 ms) need not run twice. A failure is not
    kept: it raises again, as the first time.
    """
    if not has_request_context():
        return _verified_claims(encoded)
    # On the request itself, not on g: an app context a test holds open outlives it.
    verified: dict[str, dict[str, Any]] = request.environ.setdefault(_VERIFIED, {})
    claims = verified.get(encoded)
    if claims is None:
        claims = verified[encoded] = _verified_claims(encoded)
    return claims


def decode_user_token(
    encoded: str,
    token_type: str = "access",  # noqa: S107 - a token kind, not a secret
) -> tuple[User, dict[str, Any]]:
    """The active user a valid token of ``token_type`` belongs to, with its claims.

    :raises Unauthorized: ``token`` is malformed, tampered, expired, revoked, of the
        wrong type, or older than the user's last password change or sign-out.
    """
    claims = verified_claims(encoded)
    if claims.get("type") != token_type:
        raise Unauthorized({"token": [f"is not an {token_type} token"]})
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        if is_revoked(claims["jti"]):
            raise Unauthorized({"token": ["has been revoked"]}) from exc
        raise Unauthorized({"token": ["is invalid"]}) from exc
    # The user and the revocation in one statement: every signed-in request pays for it.
    params = {"user_id": user_id, "jti": claims["jti"]}
    found = db.session.execute(_user_and_revocation(), params).first()
    if found is None:  # no such user: a revoked token still says so first
        if is_revoked(claims["jti"]):
            raise Unauthorized({"token": ["has been revoked"]})
        raise Unauthorized({"token": ["is no longer valid"]})
    user, revoked = found
    if revoked:
        raise Unauthorized({"token": ["has been revoked"]})
    if not user.is_active or claims.get("sv") != user.session_version:
        raise Unauthorized({"token": ["is no longer valid"]})
    return user, claims


# Tokens whose signature and claims this process has checked, by the exact token and the
# key it was checked with: parsing and verifying (pyjwt's base64, JSON and HMAC) was a
# fifth of a signed-in list. Only the times change meaning as the clock moves, so they
# are checked again on every use; revocation and the session version are read from the
# database every time (``decode_user_token``). Only tokens that passed are remembered.
_VERIFIED_MAX = 10_000
_VERIFIED = "folio_verified_tokens"


def _verified_claims(encoded: str) -> dict[str, Any]:
    """The token's claims, its signature and times checked as Flask-JWT-Extended checks
    them (``decode_token``), with the token parsed once rather than three times.

    :raises Unauthorized: malformed, tampered or expired.
    """
    try:
        key = _verification_key(encoded)
    except (pyjwt.PyJWTError, ValueError, KeyError) as exc:
        raise Unauthorized({"token": ["is invalid"]}) from exc
    verified: dict[tuple[str, str], dict[str, Any]] = current_app.extensions.setdefault(
        _VERIFIED, {}
    )
    known = verified.get((encoded, key))
    if known is None:
        known = _decoded_claims(encoded, key)
        if len(verified) >= _VERIFIED_MAX:
            verified.clear()
        verified[(encoded, key)] = known
    else:
        _check_times(known, float(jwt_settings.leeway))
    return dict(known)


def _decoded_claims(encoded: str, key: str) -> dict[str, Any]:
    settings = jwt_settings
    try:
        audience = settings.decode_audience
        claims: dict[str, Any] = pyjwt.decode(
            encoded,
            key,
            algorithms=settings.decode_algorithms,
            audience=audience,
            issuer=settings.decode_issuer,
            leeway=settings.leeway,
            options={"verify_aud": audience is not None, "verify_sub": settings.verify_sub},
        )
    except pyjwt.ExpiredSignatureError as exc:
        raise Unauthorized({"token": ["has expired"]}) from exc
    except (pyjwt.PyJWTError, ValueError, KeyError) as exc:
        raise Unauthorized({"token": ["is invalid"]}) from exc
    if settings.identity_claim_key not in claims:
        raise Unauthorized({"token": ["is invalid"]})
    claims.setdefault("type", "access")
    claims.setdefault("fresh", False)
    claims.setdefault("jti", None)
    return claims


def _check_times(claims: dict[str, Any], leeway: float) -> None:
    """pyjwt's checks of ``exp`` and ``nbf`` (their forms were checked on first use)."""
    now = time.time()
    if "exp" in claims and int(claims["exp"]) <= now - leeway:
        raise Unauthorized({"token": ["has expired"]})
    if "nbf" in claims and int(claims["nbf"]) > now + leeway:
        raise Unauthorized({"token": ["is invalid"]})


def _verification_key(encoded: str) -> str:
    """The key named by the token's ``kid``; with no fallback keys there is only one
    candidate, so the header is not read twice (pyjwt's parse is the costly part)."""
    keys = _keys()
    current = current_app.config["JWT_SECRET_KEY"]
    if len(keys) == 1:
        return str(current)
    # No kid, or an unknown one, gets the current key and fails its signature check.
    return keys.get(str(pyjwt.get_unverified_header(encoded).get("kid")), current)


@functools.cache
def _user_and_revocation() -> Select[User, bool]:
    revoked = exists().where(RevokedToken.jti == bindparam("jti", type_=String))
    return select(User, revoked.label("revoked")).where(
        User.id == bindparam("user_id", type_=Integer)
    )


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


# Optional tokens are ignored when unusable on these methods only; a write never is.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IGNORED_TOKEN_HEADER = "X-Folio-Token"  # noqa: S105 - a header name, not a secret


def request_user(scheme: str, *, required: bool) -> User | None:
    """The user behind the request's token (cached on ``g`` for the request).

    Where the token is optional (``required=False``) on a read, an unusable one (expired,
    revoked, malformed) is ignored: the request is answered as anonymous and the response
    says ``X-Folio-Token: ignored``, so a client with a stale token keeps the public
    pages. Writes and required-auth endpoints still answer 401.
    """
    cache_key = f"api_user_{scheme}"
    if cache_key not in g:
        setattr(g, cache_key, _read_token(scheme))
    user, problem = g.get(cache_key)
    if problem is not None:
        if required or request.method not in _READ_METHODS:
            raise problem
        g.token_ignored = True
        return None
    if user is None and required:
        raise Unauthorized({"token": ["is missing"]})
    return user


def _read_token(scheme: str) -> tuple[User | None, Unauthorized | None]:
    try:
        token = bearer_token(scheme)
        return (decode_user_token(token)[0] if token else None), None
    except Unauthorized as problem:
        return None, problem


def _say_token_ignored(response: Response) -> Response:
    if g.get("token_ignored"):
        response.headers[IGNORED_TOKEN_HEADER] = "ignored"
    return response


# --- the blocklist, in the database ----------------------------------------------------
#
# Every revocation is a row in ``revoked_tokens`` (the jti is its primary key), so it
# outlives a Redis restart and a Redis outage cannot hide it. The check is one primary-key
# lookup beside the user row the same request loads. Redis is not asked first: it could
# only ever answer "revoked" (caching "not revoked" could hide a revocation written while
# it was unreachable), so for every valid token it would add a round trip and save none.


def _expiry(claims: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(claims.get("exp", 0)), tz=UTC)


def _record_revocation(jti: str, expires_at: datetime) -> bool:
    """Insert the row for ``jti`` unless it exists; True when this call inserted it.

    One statement (``INSERT ... ON CONFLICT DO NOTHING``), so two transactions racing for
    the same jti cannot both succeed: PostgreSQL makes the second wait for the first and
    then skip; SQLite's writers are serialised. Run on the session's connection (not
    ``Session.execute``): a revocation changes nothing the public cache holds.
    """
    session = db.session()
    dialect = session.get_bind().dialect.name
    values = {"jti": jti, "expires_at": expires_at}
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(RevokedToken).values(**values).on_conflict_do_nothing()
        # SQLAlchemy reads an INSERT's rowcount only when asked to keep it.
        statement = statement.execution_options(preserve_rowcount=True)
        return session.connection().execute(statement).rowcount == 1
    # Another backend: a savepoint around a plain INSERT, the unique key deciding.
    try:
        with session.begin_nested():
            session.connection().execute(sql_insert(RevokedToken).values(**values))
    except IntegrityError:
        return False
    return True


def revoke(claims: dict[str, Any]) -> None:
    """Revoke one token until it would have expired anyway (again is harmless).

    Written with the request's transaction: the view's commit makes it durable.
    """
    _record_revocation(claims["jti"], _expiry(claims))


def claim(claims: dict[str, Any]) -> bool:
    """Use up a one-use token: True for exactly one caller, however many race for it.

    The token is revoked from then on; the caller must commit before answering.
    """
    return _record_revocation(claims["jti"], _expiry(claims))


def is_revoked(jti: str) -> bool:
    """Whether ``jti`` was revoked (signed out, or a refresh token already used)."""
    return db.session.get(RevokedToken, jti) is not None


def purge_expired_revocations() -> int:
    result = db.session.execute(
        delete(RevokedToken).where(RevokedToken.expires_at < datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def init_jwt(app: Flask) -> None:
    jwt.init_app(app)
    app.after_request(_say_token_ignored)

    @jwt.decode_key_loader
    def _decode_key(header: dict[str, Any], _payload: dict[str, Any]) -> str:
        keys = _keys()
        # No kid, or an unknown one, gets the current key and fails its signature check.
        return keys.get(str(header.get("kid")), current_app.config["JWT_SECRET_KEY"])
