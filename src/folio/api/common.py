"""What every /api/v1 resource shares: the blueprint (flask-smorest's, extended with
Folio's documentation, list envelope and entity tags), authentication, documented errors
and the request guards. Lists are in ``paging``, entity tags in ``etags``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, request
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters
from flask_smorest.utils import get_appcontext
from marshmallow import Schema, ValidationError, fields, validates_schema
from werkzeug.exceptions import UnsupportedMediaType

from folio.api.etags import NotModifiedWithTag, body_etag, check_if_match, versioned_etag
from folio.api.paging import SchemaReusingParser, envelope
from folio.auth import tokens
from folio.errors import face
from folio.guards import takes_files
from folio.models import User

F = TypeVar("F", bound=Callable[..., Any])

SCHEME = "Bearer"
SECURITY_SCHEME = "bearerAuth"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FOLIO_DOC = "folio"


# --- documentation: a blueprint that knows Folio's decorators ---------------------------------


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose operations also document, from the decorators below,
    their security, their error responses and their conditional-request headers."""

    # flask-smorest paginates (``@blp.paginate()``, the view sets ``item_count``); Folio's
    # lists answer an envelope with RFC 8288 ``Link`` headers instead of ``X-Pagination``.
    PAGINATION_HEADER_NAME = "Link"
    PAGINATION_ARGUMENTS_PARSER = SchemaReusingParser()
    # ``@blp.arguments(SomeArgs)`` too: webargs made a new SomeArgs on every request.
    ARGUMENTS_PARSER = SchemaReusingParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": None}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_folio_doc)

    # Entity tags through flask-smorest's ``etag`` (every route gets it, see ``route``),
    # extended to Folio's rules: an article's tag names its version (``"v3-<digest>"``),
    # ``If-Match`` is optional and checks that version alone, so a tag stays good for an
    # edit until the article itself changes (not when its favorite count moves).
    ETAG_INCLUDE_HEADERS = ["Link"]

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        register = super().route(rule, parameters=parameters, tags=tags, **options)
        return lambda view: register(self.etag(view))

    @staticmethod
    def _generate_etag(etag_data: Any, extra_data: Any = None) -> str:
        return versioned_etag(etag_data, extra_data).strip('"')

    def _set_etag_in_response(self, response: Response) -> None:
        """flask-smorest's, with the tag a digest of the body as encoded for the response
        (:func:`body_etag`) instead of a second JSON encoding of the dumped data (6% of a
        list's CPU). A tag set by the view (``set_etag``) is kept as flask-smorest keeps it."""
        if request.method not in self.METHODS_ALLOWING_SET_ETAG:
            return
        etag = get_appcontext().get("etag", {}).get("etag")
        if etag is None:
            representation = get_appcontext()["result_dump"]  # as flask-smorest: a dump
            included = [(k, v) for k, v in response.headers if k in self.ETAG_INCLUDE_HEADERS]
            etag = body_etag(representation, response.get_data(), included).strip('"')
            self._check_not_modified(etag)
        response.set_etag(etag)

    def _check_precondition(self) -> None:
        """``If-Match`` is optional: a client that sends none accepts the last write."""

    def _verify_check_etag(self) -> None:
        """Only resources with a version check ``If-Match`` (:meth:`check_etag`)."""

    def check_etag(self, etag_data: Any, etag_schema: Any = None) -> None:
        """412 unless ``If-Match`` (when sent) names version ``etag_data`` (or is ``*``)."""
        check_if_match(int(etag_data))

    def _check_not_modified(self, etag: str) -> None:
        if request.method in self.METHODS_CHECKING_NOT_MODIFIED and etag in request.if_none_match:
            raise NotModifiedWithTag(etag)

    def _prepare_etag_doc(self, doc: dict[str, Any], doc_info: Any, **_kwargs: Any) -> Any:
        # Documented by ``documents()``: If-None-Match and 304, If-Match (optional) and 412.
        return doc

    def _set_pagination_metadata(
        self, page_params: PaginationParameters, result: Any, headers: Any
    ) -> tuple[dict[str, Any], dict[str, str]]:
        return envelope(page_params, result, headers)

    def _document_pagination_metadata(self, spec: Any, resp_doc: dict[str, Any]) -> None:
        resp_doc.setdefault("headers", {})["Link"] = "Link"

    @staticmethod
    def _prepare_folio_doc(
        doc: dict[str, Any], doc_info: Mapping[str, Any], **_kwargs: Any
    ) -> dict[str, Any]:
        info = doc_info.get(_FOLIO_DOC) or {}
        responses = doc.setdefault("responses", {})
        auth = info.get("auth")
        if auth == "required":
            doc["security"] = [{SECURITY_SCHEME: []}]
        elif auth == "optional":
            doc["security"] = [{}, {SECURITY_SCHEME: []}]
        # 400 on every operation: folio.guards refuses a NUL in any path or query field.
        for code in sorted({400, *info.get("errors", ())}):
            responses.setdefault(str(code), None)
        # Every error, including the 422 flask-smorest adds for arguments, points at
        # Folio's own description of it.
        for code in list(responses):
            if str(code).isdigit() and int(code) in ERROR_RESPONSES:
                responses[code] = ERROR_RESPONSES[int(code)][0]
        parameters = doc.setdefault("parameters", [])
        for name in info.get("parameters", ()):
            parameters.append(name)
        if not parameters:
            del doc["parameters"]
        for header in info.get("headers", ()):
            for code, response in responses.items():
                if str(code).startswith("2") and isinstance(response, dict):
                    response.setdefault("headers", {})[header] = header
        return doc


# Status -> (component name, what it means here). Each is documented once, in the shape
# of ErrorSchema (304 has no body).
ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    304: ("NotModified", "Not modified: the `If-None-Match` tag still matches; no body."),
    400: (
        "MalformedJson",
        "The body is not valid JSON or nests over 64 levels (`errors.body`), or a field in "
        "the path, query or body holds a NUL character (`errors` names it).",
    ),
    401: (
        "Unauthorized",
        "No valid access token; `errors.token` says why (missing, expired, revoked, "
        "invalid). Comes with `WWW-Authenticate: Bearer`.",
    ),
    403: ("Forbidden", "Your account may not do this to that resource."),
    404: ("NotFound", "No such resource (or a draft you may not see)."),
    409: (
        "Conflict",
        "Conflicts with existing data, e.g. a username or email taken, or a stale `version` "
        "of an article being edited (then `conflict` holds both texts).",
    ),
    410: ("Gone", "It expired, e.g. an export's archive past `expires_at`: ask for a new one."),
    412: ("PreconditionFailed", "`If-Match` names an older version: read it again."),
    413: (
        "TooLarge",
        "The body is over the size limit (2 MB; uploads: `MEDIA_MAX_BYTES`, 20 MB), or an "
        "upload would pass your storage quota (`errors.file` says which).",
    ),
    415: (
        "UnsupportedMediaType",
        "The body is not `application/json` (uploads: `multipart/form-data`).",
    ),
    422: (
        "ValidationFailed",
        "Invalid input: `errors` names every bad field (unknown fields are refused too).",
    ),
    429: ("RateLimited", "Too many requests: wait `Retry-After` seconds."),
    503: (
        "Unavailable",
        "A service Folio needs (the image storage, the task queue) is briefly out of reach: "
        "try again after `Retry-After` seconds. Nothing was changed.",
    ),
}


def register_error_responses(spec: Any) -> None:
    for code, (name, description) in ERROR_RESPONSES.items():
        response: dict[str, Any] = {"description": description}
        if code != 304:
            response["content"] = {"application/json": {"schema": "Error"}}
        if code == 429:
            response["headers"] = {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
            }
        if code == 401:
            response["headers"] = {
                "WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}
            }
        spec.components.response(name, response)


def _add_doc(func: Callable[..., Any], **info: Any) -> None:
    apidoc = deepcopy(getattr(func, "_apidoc", {}))
    folio = apidoc.setdefault(_FOLIO_DOC, {})
    for key, value in info.items():
        if isinstance(value, tuple | list | set | frozenset):
            current = folio.get(key, [])
            folio[key] = [*current, *(v for v in value if v not in current)]
        else:
            folio[key] = value
    func._apidoc = apidoc  # type: ignore[attr-defined]


def documents(
    *errors: int, parameters: Iterable[str] = (), headers: Iterable[str] = ()
) -> Callable[[F], F]:
    """Document the error statuses an operation can answer (each in the one error shape),
    extra parameters (component names) and headers on its success responses."""

    def decorator(func: F) -> F:
        _add_doc(func, errors=tuple(errors), parameters=tuple(parameters), headers=tuple(headers))
        return func

    return decorator


class ErrorSchema(Schema):
    """Every error /api/v1 answers, whatever its status."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    status = fields.String(required=True, metadata={"example": "Unprocessable Entity"})
    message = fields.String(required=True, metadata={"example": "title can't be blank"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={
            "description": "What is wrong, by field (or by resource, e.g. `token`, `article`).",
            "example": {"title": ["can't be blank"]},
        },
    )
    # A stale save of a pending edit (409, folio.articles.autosave): both texts to choose from.
    conflict = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "Only on a 409 for a stale `version`: `mine` and `theirs`, each with "
            "`title`, `description`, `body`, `tags`, `cover_image`, `version`, "
            "`pending_version`, `by` and `at`."
        },
    )


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not 0, 1, "yes" or "true"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class ChangesSchema(Schema):
    """A partial update: every field optional, at least one required (an empty or
    missing body is a 422, not a silent no-op)."""

    @validates_schema
    def _not_empty(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        if not data:
            raise ValidationError("send at least one field to change", "changes")


def require_some_property(spec: Any, *names: str) -> None:
    """Document :class:`ChangesSchema` subclasses' rule (``minProperties: 1``)."""
    for name in names:
        spec.components.schemas[name]["minProperties"] = 1


# --- authentication -----------------------------------------------------------------------


def current_user() -> User | None:
    """The user behind a valid bearer token, or None without one.

    :raises Unauthorized: a token was sent but is invalid, expired or revoked.
    """
    return tokens.request_user(SCHEME, required=False)


def authenticated_user() -> User:
    """The user behind the request's bearer token (401 without a valid one)."""
    user = tokens.request_user(SCHEME, required=True)
    assert user is not None  # noqa: S101 - required=True raised otherwise
    return user


def auth_required(func: F) -> F:
    """Refuse the request with 401 unless it carries a valid access token; document that.

    The check runs before the body is parsed, so an anonymous call is a 401 whatever it
    sends.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authenticated_user()
        return func(*args, **kwargs)

    _add_doc(wrapper, auth="required", errors=(401,))
    return cast(F, wrapper)


def auth_optional(func: F) -> F:
    """Document that a token is optional here (it changes what the caller sees).

    An unusable token is ignored rather than refused (see ``tokens.request_user``): the
    answer is the anonymous one, with ``X-Folio-Token: ignored``.
    """
    _add_doc(func, auth="optional", headers=(tokens.IGNORED_TOKEN_HEADER,))
    return func


# --- pagination ---------------------------------------------------------------------------


# --- request guards and response headers, for /api/v1 only ------------------------------------


def _refuse_non_json_bodies() -> None:
    if face() != "api" or request.method not in BODY_METHODS:
        return
    if request.routing_exception is not None:
        return  # no such route or method: that is the answer (404, 405), whatever the body
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    # An upload's view reads its multipart body itself, after checking the token, and
    # names the missing ``file`` when the body is anything else.
    if has_body and not takes_files() and not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")


def _conditional_get(response: Response) -> Response:
    if face() != "api":
        return response
    response.vary.add("Authorization")
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", f'{SCHEME} realm="folio"')
    if request.method in ("GET", "HEAD") and response.status_code in (200, 304):
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def install(app: Flask) -> None:
    app.before_request(_refuse_non_json_bodies)
    app.after_request(_conditional_get)
