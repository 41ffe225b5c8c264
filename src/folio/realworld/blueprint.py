"""The blueprint the RealWorld views share, and the request plumbing they have in common."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, request
from werkzeug.exceptions import BadRequest

from folio.auth.tokens import issue_access_token, request_user
from folio.core.errors import DomainError, Unauthorized, ValidationFailed
from folio.models import User

bp = Blueprint("realworld", __name__, url_prefix="/api")

SCHEME = "Token"
DEFAULT_LIMIT = 20
# Offsets beyond a 32-bit integer are refused rather than handed to the database.
OFFSET_MAX = 2**31 - 1


# The rules name fields as Folio does; the RealWorld contract names two of them otherwise.
REALWORLD_FIELD_NAMES = {"tags": "tagList", "image_url": "image"}


@bp.errorhandler(DomainError)
def _domain_error_in_realworld_names(error: DomainError) -> Any:
    from folio.errors import handle_domain_error

    error.errors = {REALWORLD_FIELD_NAMES.get(k, k): v for k, v in error.errors.items()}
    return handle_domain_error(error)


# --- who is asking ------------------------------------------------------------------------


def viewer() -> User | None:
    """The user behind ``Authorization: Token <jwt>``, if any (a bad token is a 401)."""
    return request_user(SCHEME, required=False)


def actor() -> User:
    """The signed-in user; 401 ``token: is missing`` before anything else is looked at."""
    user = request_user(SCHEME, required=True)
    if user is None:  # request_user raised already; this satisfies the type checker
        raise Unauthorized({"token": ["is missing"]})
    return user


def new_token(user: User) -> str:
    return issue_access_token(user, expires=current_app.config["REALWORLD_TOKEN_EXPIRES"])


# --- request bodies -----------------------------------------------------------------------


def body_object(wrapper: str) -> Mapping[str, Any]:
    """The object under ``wrapper`` in a JSON body such as ``{"user": {...}}``.

    Malformed JSON is a 400; a body without the wrapper object is a 422 naming it.
    The Content-Type is not insisted on: some clients send JSON as text/plain.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise ValidationFailed({wrapper: ["can't be blank"]})
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BadRequest("The body is not valid JSON.") from exc
    inner = data.get(wrapper) if isinstance(data, dict) else None
    if not isinstance(inner, dict):
        raise ValidationFailed({wrapper: ["must be an object"]})
    return inner


def text_fields(data: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str | None]:
    """The fields of ``names`` present in ``data``, each a string or null.

    Only the listed fields are read: anything else a client sends is ignored.

    :raises ValidationFailed: a present field holds a number, a list or an object.
    """
    values: dict[str, str | None] = {}
    errors: dict[str, list[str]] = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if value is not None and not isinstance(value, str):
            errors[name] = ["must be a string"]
        else:
            values[name] = value
    if errors:
        raise ValidationFailed(errors)
    return values


def tag_list(data: Mapping[str, Any]) -> list[str] | None:
    """``tagList`` as a list of strings; None when it is null (the services decide).

    :raises ValidationFailed: it is neither null nor a list of strings.
    """
    value = data["tagList"]
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise ValidationFailed({"tagList": ["must be a list of strings"]})
    return value


# --- query strings ------------------------------------------------------------------------


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> tuple[int, list[str]]:
    """A whole-number query argument; values above ``maximum`` come back as ``maximum + 1``."""
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default, []
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        return default, ["must be an integer"]
    # Very long numbers are not parsed (int() of thousands of digits is slow and refused).
    magnitude = maximum + 1 if len(digits) > 18 else int(digits)
    value = -magnitude if text.startswith("-") else magnitude
    if value < minimum:
        return default, [f"must be at least {minimum}"]
    return value, []


def page_args() -> tuple[int, int]:
    """``limit`` (1 to ``API_MAX_PAGE_SIZE``; larger values are cut to it) and ``offset``.

    :raises ValidationFailed: naming ``limit`` or ``offset`` when either is not a whole
        number in range.
    """
    max_limit = int(current_app.config["API_MAX_PAGE_SIZE"])
    errors: dict[str, list[str]] = {}
    limit, problems = _int_arg("limit", DEFAULT_LIMIT, 1, max_limit)
    if problems:
        errors["limit"] = problems
    offset, problems = _int_arg("offset", 0, 0, OFFSET_MAX)
    if problems:
        errors["offset"] = problems
    elif offset > OFFSET_MAX:
        errors["offset"] = [f"must be at most {OFFSET_MAX}"]
    if errors:
        raise ValidationFailed(errors)
    # A limit above the maximum is clamped rather than refused: clients ask for "a lot".
    return min(limit, max_limit), offset


def text_arg(name: str) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value or None
