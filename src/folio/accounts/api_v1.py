"""Accounts: register (``/users``), one's own account (``/me``), public profiles."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from folio.accounts import rules as accounts
from folio.accounts.rules import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    IMAGE_URL_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    USERNAME_RE,
    ProfileChanges,
)
from folio.api.common import (
    ApiBlueprint,
    ChangesSchema,
    StrictBoolean,
    auth_optional,
    auth_required,
    authenticated_user,
    current_user,
    documents,
)
from folio.auth.api_v1 import TokenPairSchema, issue_pair
from folio.core.uow import current_session, transactional
from folio.media.uploads import public_url
from folio.security import rate_limit, refuse_common_passwords
from folio.social import rules as social

blp = ApiBlueprint(
    "accounts",
    __name__,
    url_prefix="/api/v1",
    description="Register, read and change your own account, read and follow others.",
)

_username: dict[str, Any] = {
    # The service's rule, so the spec tells clients what it accepts.
    "validate": validate.Regexp(USERNAME_RE),
    "metadata": {"description": "3 to 30 letters, digits, `_` or `-`.", "example": "ada"},
}
_password: dict[str, Any] = {
    "validate": validate.Length(min=1, max=PASSWORD_MAX),
    "metadata": {
        "description": f"At least {PASSWORD_MIN} characters; common passwords are refused.",
        "example": "a long passphrase",
    },
}


def _avatar() -> fields.Function:
    return fields.Function(
        lambda account: public_url(account.avatar_key),
        required=True,
        allow_none=True,
        metadata={
            "description": "The absolute URL of the picture they uploaded (a square), or "
            "null. Set yours with `PUT /me/avatar`.",
            "type": "string",
        },
    )


class ProfileSchema(Schema):
    """What anyone may see of a user: never the email. Dumps a ``social.ProfileView``."""

    username = fields.String(required=True)
    display_name = fields.String(required=True, allow_none=True)
    bio = fields.String(required=True, allow_none=True)
    image_url = fields.String(required=True, allow_none=True)
    avatar = _avatar()
    following = fields.Boolean(
        required=True, metadata={"description": "Whether you follow them (false anonymously)."}
    )


def dump_profile(view: social.ProfileView) -> dict[str, Any]:
    """``ProfileSchema().dump(view)`` written out, for lists that dump one per item (a
    marshmallow dump walks every field's machinery); tests/api/test_dumpers.py holds the
    two equal, so a field added to the schema fails there until it is added here."""
    return {
        "username": view.username,
        "display_name": view.display_name,
        "bio": view.bio,
        "image_url": view.image_url,
        "avatar": public_url(view.avatar_key),
        "following": view.following,
    }


class MeSchema(Schema):
    """Your own account."""

    username = fields.String(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True, allow_none=True)
    bio = fields.String(required=True, allow_none=True)
    image_url = fields.String(required=True, allow_none=True)
    avatar = _avatar()
    email_notifications = fields.Boolean(required=True)
    role = fields.String(required=True, metadata={"description": "`author` or `admin`."})
    created_at = fields.DateTime(required=True)


class RegisterSchema(Schema):
    username = fields.String(required=True, **_username)
    email = fields.Email(
        required=True, validate=validate.Length(max=254), metadata={"example": "ada@example.com"}
    )
    password = fields.String(required=True, load_only=True, **_password)


class MeUpdateSchema(ChangesSchema):
    """Fields to change; those left out stay as they are. A new email needs
    `current_password`. The password changes at `POST /me/password`."""

    username = fields.String(**_username)
    email = fields.Email(validate=validate.Length(max=254))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=DISPLAY_NAME_MAX))
    bio = fields.String(allow_none=True, validate=validate.Length(max=BIO_MAX))
    image_url = fields.String(
        allow_none=True,
        validate=validate.Length(max=IMAGE_URL_MAX),
        metadata={"description": "An http(s) URL, or null to remove it."},
    )
    email_notifications = StrictBoolean()
    current_password = fields.String(load_only=True, validate=validate.Length(max=PASSWORD_MAX))


class PasswordChangeSchema(Schema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=PASSWORD_MAX)
    )
    new_password = fields.String(required=True, load_only=True, **_password)


@blp.route("/users")
class Users(MethodView):
    @rate_limit("REGISTER")
    @blp.arguments(
        RegisterSchema,
        example={"username": "ada", "email": "ada@example.com", "password": "a long passphrase"},
    )
    @blp.response(201, MeSchema)
    @documents(400, 409, 413, 415, 429)
    @transactional
    def post(self, args: dict[str, Any]) -> Any:
        """Register an account

        Then sign in at `POST /auth/tokens` with the same email and password.
        """
        user = accounts.register(
            current_session(),
            username=args["username"],
            email=args["email"],
            password=args["password"],
            refuse_common_passwords=refuse_common_passwords("api"),
        )
        return user, 201, {"Location": "/api/v1/me"}


@blp.route("/me")
class Me(MethodView):
    @auth_required
    @blp.response(200, MeSchema)
    @documents(304, parameters=["IfNoneMatch"])
    def get(self) -> Any:
        """Your account"""
        return authenticated_user()

    @auth_required
    @blp.arguments(MeUpdateSchema, example={"display_name": "Ada L.", "bio": "Writes."})
    @blp.response(200, MeSchema)
    @documents(400, 409, 413, 415)
    @transactional
    def patch(self, args: dict[str, Any]) -> Any:
        """Change your profile (partial update)"""
        user = authenticated_user()
        current_password = args.pop("current_password", None)
        changes: ProfileChanges = args  # type: ignore[assignment]
        accounts.update_profile(
            current_session(),
            user,
            changes,
            current_password=current_password,
            refuse_common_passwords=refuse_common_passwords("api"),
        )
        return user


@blp.route("/me/password")
class Password(MethodView):
    @auth_required
    @blp.arguments(PasswordChangeSchema)
    @blp.response(200, TokenPairSchema)
    @documents(400, 413, 415)
    @transactional
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Change your password

        Every earlier token (and web session) stops working; the answer carries a new pair.
        """
        user = authenticated_user()
        accounts.change_password(
            current_session(),
            user,
            current_password=args["current_password"],
            new_password=args["new_password"],
            refuse_common_passwords=refuse_common_passwords("api"),
        )
        current_session().flush()
        pair = issue_pair(user)
        return pair


@blp.route("/profiles/<string:username>")
class Profile(MethodView):
    @auth_optional
    @blp.response(200, ProfileSchema)
    @documents(304, 404, parameters=["IfNoneMatch"])
    def get(self, username: str) -> social.ProfileView:
        """A user's public profile"""
        return social.profile(current_session(), current_user(), username).view


@blp.route("/profiles/<string:username>/follow")
class Follow(MethodView):
    @auth_required
    @blp.response(200, ProfileSchema)
    @documents(404, 422)
    @transactional
    def post(self, username: str) -> social.ProfileView:
        """Follow a user (following twice changes nothing)"""
        return social.follow(current_session(), authenticated_user(), username).view

    @auth_required
    @blp.response(200, ProfileSchema)
    @documents(404)
    @transactional
    def delete(self, username: str) -> social.ProfileView:
        """Stop following a user"""
        return social.unfollow(current_session(), authenticated_user(), username).view
