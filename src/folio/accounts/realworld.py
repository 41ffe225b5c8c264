"""Users and profiles: register, sign in, the current user, follow and unfollow."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from folio.accounts import rules as accounts
from folio.accounts.rules import ProfileChanges
from folio.auth.tokens import bearer_token
from folio.core.errors import DomainError, ValidationFailed
from folio.core.uow import current_session, transactional
from folio.realworld import shapes
from folio.realworld.blueprint import (
    SCHEME,
    actor,
    body_object,
    bp,
    new_token,
    text_fields,
    viewer,
)
from folio.security import rate_limit, refuse_common_passwords
from folio.social import rules as social

FACE = "realworld"


def _user_response(payload: dict[str, Any], status: int = 200) -> tuple[Response, int]:
    response = jsonify(payload)
    # It carries a bearer token: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.post("/users")
@rate_limit("REGISTER")
@transactional
def register() -> tuple[Response, int]:
    fields = text_fields(body_object("user"), ("username", "email", "password"))
    user = accounts.register(
        current_session(),
        username=fields.get("username"),
        email=fields.get("email"),
        password=fields.get("password"),
        refuse_common_passwords=refuse_common_passwords(FACE),
    )
    payload = shapes.user(user, new_token(user))
    return _user_response(payload, 201)


def _login_email() -> str | None:
    # The account limit's key: parsed exactly as login() parses it, whatever the
    # Content-Type, so a decoy top-level "email" or a text/plain body changes nothing.
    try:
        return text_fields(body_object("user"), ("email",)).get("email")
    except (HTTPException, DomainError):
        return None  # login() refuses the same body before authenticating anyone


@bp.post("/users/login")
@rate_limit("SIGNIN", account=_login_email)
def login() -> tuple[Response, int]:
    fields = text_fields(body_object("user"), ("email", "password"))
    user = accounts.authenticate(
        current_session(), email=fields.get("email"), password=fields.get("password")
    )
    return _user_response(shapes.user(user, new_token(user)))


@bp.get("/user")
def current_user() -> tuple[Response, int]:
    user = actor()
    # The token the client holds is still good: hand it back rather than minting another,
    # so reading the current user never extends a session.
    return _user_response(shapes.user(user, bearer_token(SCHEME) or new_token(user)))


@bp.put("/user")
@transactional
def update_user() -> tuple[Response, int]:
    user = actor()
    fields = text_fields(body_object("user"), ("username", "email", "password", "bio", "image"))
    changes: ProfileChanges = {}
    if "username" in fields:
        changes["username"] = fields["username"]
    if "email" in fields:
        changes["email"] = fields["email"]
    if "bio" in fields:
        changes["bio"] = fields["bio"]
    if "image" in fields:
        changes["image_url"] = fields["image"]
    # Settings forms of RealWorld front ends send an empty password meaning "unchanged".
    if fields.get("password"):
        changes["password"] = fields["password"]
    if not changes and not fields:
        raise ValidationFailed({"user": ["must hold at least one field to change"]})
    accounts.update_profile(
        current_session(),
        user,
        changes,
        require_current_password=False,
        refuse_common_passwords=refuse_common_passwords(FACE),
    )
    # A new password ends earlier tokens (the session version moved): always send a fresh one.
    payload = shapes.user(user, new_token(user))
    return _user_response(payload)


@bp.get("/profiles/<username>")
def get_profile(username: str) -> Response:
    found = social.profile(current_session(), viewer(), username)
    return jsonify({"profile": shapes.profile(found.user, found.following)})


@bp.post("/profiles/<username>/follow")
@transactional
def follow(username: str) -> Response:
    found = social.follow(current_session(), actor(), username)
    payload = {"profile": shapes.profile(found.user, found.following)}
    return jsonify(payload)


@bp.delete("/profiles/<username>/follow")
@transactional
def unfollow(username: str) -> Response:
    found = social.unfollow(current_session(), actor(), username)
    payload = {"profile": shapes.profile(found.user, found.following)}
    return jsonify(payload)
