"""The one error policy: domain and HTTP errors become responses, routed by path.

- ``/api/v1/...``: ``{"code", "status", "message", "errors": {field: [messages]}}``;
- ``/api/...`` (RealWorld): ``{"errors": {field: [messages]}}``;
- everything else: a rendered page in the site's style.

Every handler rolls the session back, so a failed request writes nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from folio.core.errors import DomainError
from folio.extensions import db
from folio.guards import too_large_errors
from folio.i18n import N_

log = logging.getLogger(__name__)

# The APIs answer these in English; the error page translates them (N_ marks them).
_DEFAULT_MESSAGES = {
    400: ("body", N_("is malformed")),
    401: ("token", N_("is missing")),
    403: ("request", N_("forbidden")),
    404: ("resource", N_("not found")),
    405: ("method", N_("is not allowed")),
    409: ("resource", N_("conflicts with the current state")),
    412: ("if_match", N_("does not match the current version")),
    413: ("body", N_("is too large")),
    415: ("content_type", N_("must be application/json")),
    422: ("body", N_("is invalid")),
    429: ("rate_limit", N_("exceeded; try again later")),
    500: ("server", N_("had an unexpected error")),
    503: ("service", N_("is briefly unavailable; try again shortly")),
}
# The default messages' fields as the error page names them (field_label translates).
_FIELD_LABELS = (
    N_("Body"),
    N_("Token"),
    N_("Request"),
    N_("Resource"),
    N_("Method"),
    N_("If match"),
    N_("Content type"),
    N_("Rate limit"),
    N_("Server"),
    N_("Service"),
)
# The error page's title in the reader's language (the APIs keep HTTP's own phrase).
_WEB_PHRASES = {
    400: N_("Bad Request"),
    401: N_("Unauthorized"),
    403: N_("Forbidden"),
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    409: N_("Conflict"),
    410: N_("Gone"),
    412: N_("Precondition Failed"),
    413: N_("Request Entity Too Large"),
    415: N_("Unsupported Media Type"),
    422: N_("Unprocessable Entity"),
    429: N_("Too Many Requests"),
    500: N_("Internal Server Error"),
    503: N_("Service Unavailable"),
}
# Seconds a client is asked to wait when the database is briefly out of reach.
DATABASE_RETRY_AFTER = 5
# Seconds a client is asked to wait when a dependency (Redis, the task queue) is down.
RETRY_AFTER_SECONDS = 10


class DependencyUnavailable(Exception):
    """A service the request truly needs (Redis, the task queue) cannot be reached.

    Answered 503 with ``Retry-After`` on every face, never 500.
    """

    def __init__(self, dependency: str) -> None:
        super().__init__(dependency)
        self.dependency = dependency


def face() -> str:
    path = request.path
    if path == "/api/v1" or path.startswith("/api/v1/"):
        return "api"
    if path == "/api" or path.startswith("/api/"):
        return "realworld"
    return "web"


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow messages (nested by location and field) as ``{field: [..]}``."""
    if isinstance(messages, Mapping):
        out: dict[str, list[str]] = {}
        locations = {"json", "query", "form", "headers", "files", "view_args", "path"}
        for key, value in messages.items():
            key = str(key)
            name = (
                prefix
                if key in locations and not prefix
                else (f"{prefix}.{key}" if prefix else key)
            )
            for field, msgs in flatten_messages(value, name).items():
                out.setdefault(field, []).extend(msgs)
        return out
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "body": [str(m) for m in messages]}
        out = {}
        for item in messages:
            for field, msgs in flatten_messages(item, prefix).items():
                out.setdefault(field, []).extend(msgs)
        return out
    return {prefix or "body": [str(messages)]}


def error_response(
    status: int,
    errors: dict[str, list[str]] | None = None,
    message: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response | tuple[Any, int]:
    if not errors:
        field, text = _DEFAULT_MESSAGES.get(status, ("request", "failed"))
        errors = {field: [text]}
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    where = face()
    if where in ("api", "realworld"):
        if where == "api":
            body: dict[str, Any] = {
                "code": status,
                "status": phrase,
                "message": message or "; ".join(f"{k} {', '.join(v)}" for k, v in errors.items()),
                "errors": errors,
            }
        else:
            body = {"errors": errors}
        response = jsonify(body)
        response.status_code = status
    else:
        html = render_template(
            "errors/error.html",
            status=status,
            phrase=gettext(_WEB_PHRASES[status]) if status in _WEB_PHRASES else phrase,
            errors=errors,
            error_lines=_error_lines(errors),
            message=message,
        )
        response = Response(html, status=status, mimetype="text/html")
    if headers:
        for key, value in headers.items():
            response.headers[key] = value
    return response


def _error_lines(errors: Mapping[str, list[str]]) -> list[str]:
    """The error page's list: each field and its messages, in the reader's language."""
    from folio.i18n.messages import translated
    from folio.web.helpers import field_label

    return [
        gettext(
            "%(label)s %(message)s",
            label=field_label(field),
            message=", ".join(translated(m) for m in messages),
        )
        for field, messages in errors.items()
    ]


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # a broken connection must not hide the original error
        log.exception("rollback failed")


def handle_domain_error(error: DomainError) -> Response | tuple[Any, int]:
    _rollback()
    return error_response(error.status_code, error.errors)


def handle_integrity_error(error: IntegrityError) -> Response | tuple[Any, int]:
    # A race lost to a concurrent write (two sign-ups with one name): report a conflict.
    _rollback()
    log.info("integrity error answered as 409: %s", error.orig)
    return error_response(409, {"resource": [N_("conflicts with a concurrent change")]})


# PostgreSQL error classes that say "not now" rather than "wrong": connection exception,
# transaction rollback (serialization, deadlock), insufficient resources (too many
# connections), operator intervention (shutting down, starting up).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57"})
_SQLITE_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def database_unreachable(error: DBAPIError) -> bool:
    """Whether ``error`` says the database is out of reach or busy (restarting, a dropped
    connection, a lock), not that the statement is wrong: a retry later can succeed."""
    if error.connection_invalidated or isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorcode", None) in _SQLITE_BUSY
    # No SQLSTATE: the connection itself failed (refused, reset, closed).
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or str(sqlstate)[:2] in _TRANSIENT_SQLSTATE_CLASSES


def handle_database_error(error: DBAPIError) -> Response | tuple[Any, int]:
    if not database_unreachable(error):
        return handle_unexpected(error)
    return _unavailable("database", "is briefly", DATABASE_RETRY_AFTER, error.orig)


def handle_http_exception(error: HTTPException) -> Response | tuple[Any, int]:
    _rollback()
    if isinstance(error, SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for this request, so no page
        # is rendered (its links would fail); a plain answer that names the problem.
        return Response("Bad Request: unknown host\n", status=400, mimetype="text/plain")
    status = error.code or 500
    if status == 304:
        # Not an error: an empty answer repeating the tag (flask-smorest's ETag check).
        not_modified = Response(status=304)
        if etag := getattr(error, "etag", None):
            not_modified.set_etag(etag)
        return not_modified
    errors = None
    data = getattr(error, "data", None)
    if isinstance(data, Mapping) and data.get("messages"):
        errors = flatten_messages(data["messages"])
    if status == 413 and errors is None:
        # An upload's route names the file and its limit rather than "the body".
        errors = too_large_errors()
    headers: dict[str, str] = {}
    if isinstance(data, Mapping) and data.get("headers"):
        headers.update(data["headers"])
    if error.response is not None and status == 429:
        retry = error.response.headers.get("Retry-After")
        if retry:
            headers["Retry-After"] = retry
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    message = error.description if face() != "web" and errors is None else None
    if status == 500:
        message = None
    return error_response(status, errors, message=message, headers=headers)


def handle_unexpected(error: Exception) -> Response | tuple[Any, int]:
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    _rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError())


def handle_unavailable(error: Exception) -> Response | tuple[Any, int]:
    dependency = getattr(error, "dependency", None) or type(error).__module__.split(".")[0]
    return _unavailable("service", "is temporarily", RETRY_AFTER_SECONDS, error, dependency)


def _unavailable(
    field: str, how: str, retry_after: int, cause: object, dependency: str | None = None
) -> Response | tuple[Any, int]:
    """503 with ``Retry-After``: something Folio needs is out of reach for a moment."""
    _rollback()
    log.warning(
        "%s unavailable on %s %s: %s", dependency or field, request.method, request.path, cause
    )
    return error_response(
        503,
        {field: [f"{how} unavailable; try again shortly"]},
        headers={"Retry-After": str(retry_after)},
    )


def _unavailable_errors() -> tuple[type[Exception], ...]:
    # Redis (cache, rate limits, blocklist cache) and the Celery broker (kombu wraps its
    # transport's errors in OperationalError) reaching the policy unhandled.
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (DependencyUnavailable, RedisConnectionError, RedisTimeoutError, OperationalError)


def register_error_handlers(app: Flask) -> None:
    """Install the policy; call after ``api.init_app`` so these replace flask-smorest's."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    # A restart or a dropped connection answers 503 with Retry-After, not 500.
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for unavailable in _unavailable_errors():
        app.register_error_handler(unavailable, handle_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
