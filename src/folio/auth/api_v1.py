"""Tokens: sign in with email and password, refresh, sign out (revoke)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import decode_token
from marshmallow import Schema, fields, validate
from webargs.core import is_json, parse_json

from folio.accounts import rules as accounts
from folio.accounts.rules import PASSWORD_MAX
from folio.api.common import ApiBlueprint, auth_required, documents
from folio.auth import tokens
from folio.core.errors import Unauthorized
from folio.core.uow import current_session, transactional
from folio.models import User
from folio.security import rate_limit

blp = ApiBlueprint(
    "tokens",
    __name__,
    url_prefix="/api/v1/auth",
    description=(
        "Access and refresh tokens. Send the access token as `Authorization: Bearer <token>` "
        "(in these docs: the **Authorize** button). It lasts 15 minutes; trade the refresh "
        "token (30 days) for a new pair at `POST /auth/refresh`. A password change or "
        "deactivation makes every earlier token invalid."
    ),
)

# The refresh token issued with an access token, so signing out revokes both.
REFRESH_JTI = "rti"
REFRESH_EXP = "rexp"


class CredentialsSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"example": "ada@example.com"},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=PASSWORD_MAX),
        metadata={"example": "a long passphrase"},
    )


class RefreshSchema(Schema):
    refresh_token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4096),
        metadata={"description": "The `refresh_token` from `POST /auth/tokens`."},
    )


class TokenPairSchema(Schema):
    access_token = fields.String(required=True, metadata={"description": "JWT, 15 minutes."})
    refresh_token = fields.String(required=True, metadata={"description": "JWT, 30 days."})
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(
        required=True, metadata={"description": "Seconds the access token lasts."}
    )
    refresh_expires_in = fields.Integer(
        required=True, metadata={"description": "Seconds the refresh token lasts."}
    )


def issue_pair(user: User) -> dict[str, Any]:
    """A new access and refresh token for ``user``, linked so they are revoked together."""
    refresh = tokens.issue_refresh_token(user)
    refresh_claims = decode_token(refresh)
    access = tokens.issue_access_token(
        user,
        claims={REFRESH_JTI: refresh_claims["jti"], REFRESH_EXP: refresh_claims["exp"]},
    )
    config = current_app.config
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
        "refresh_expires_in": int(config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds()),
    }


def _credentials_email() -> str | None:
    # The account limit's key: the "email" webargs will load for CredentialsSchema (a
    # JSON body only, parsed the same way); any other body is refused before sign-in.
    if not is_json(request.mimetype):
        return None
    try:
        data = parse_json(request.get_data(cache=True))
    except ValueError:
        return None
    email = data.get("email") if isinstance(data, dict) else None
    return email if isinstance(email, str) else None


@blp.route("/tokens")
class Tokens(MethodView):
    @rate_limit("TOKENS", account=_credentials_email)
    @blp.arguments(
        CredentialsSchema,
        example={"email": "ada@example.com", "password": "a long passphrase"},
    )
    @blp.response(201, TokenPairSchema)
    @documents(400, 401, 413, 415, 429)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Sign in: trade an email and password for tokens

        Answers 401 `credentials: invalid` for a wrong email or password alike.
        """
        user = accounts.authenticate(
            current_session(), email=args["email"], password=args["password"]
        )
        return issue_pair(user)

    @auth_required
    @blp.response(204)
    @transactional
    def delete(self) -> None:
        """Sign out: revoke this access token and the refresh token issued with it"""
        token = tokens.bearer_token("Bearer")
        assert token is not None  # noqa: S101 - auth_required checked it
        _user, claims = tokens.decode_user_token(token)
        tokens.revoke(claims)
        if claims.get(REFRESH_JTI):
            tokens.revoke({"jti": claims[REFRESH_JTI], "exp": claims.get(REFRESH_EXP, 0)})


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    @documents(400, 401, 413, 415)
    @transactional
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Trade a refresh token for a new pair

        The refresh token sent is revoked: each one works once, also when several
        requests race with it (one gets the new pair, the others 401).
        """
        user, claims = tokens.decode_user_token(args["refresh_token"], "refresh")
        if not tokens.claim(claims):
            raise Unauthorized({"token": ["has been revoked"]})
        pair = issue_pair(user)
        return pair
