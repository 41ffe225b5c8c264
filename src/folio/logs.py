"""Logging: plain lines in development, JSON lines in production.

Each JSON line made during a request carries the request id (echoed as ``X-Request-ID``),
the user id when the request is signed in (session or token), and the client address as
ProxyFix resolved it. Production also writes one ``request`` line per response, with the
status and the time taken.

Secrets never reach the log: no headers, cookies, bodies or query strings are logged,
and the parts of a path that are credentials (``/auth/reset/<token>``,
``/unsubscribe/<token>``) are replaced by ``[redacted]``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, request
from flask.globals import _cv_app, _cv_request

# A path segment following one of these is a credential.
_SECRET_PATH = re.compile(r"(/(?:reset|unsubscribe|verify|confirm)/)[^/?#\s]+")
_SECRET_QUERY = re.compile(
    r"((?:^|[?&])(?:token|access_token|refresh_token|code|password|key)=)[^&#\s]*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` (a path, URL or request line) with credentials in it replaced."""
    text = _SECRET_PATH.sub(r"\1[redacted]", text)
    return _SECRET_QUERY.sub(r"\1[redacted]", text)


def may_need_redaction(texts: list[str]) -> bool:
    """False when none of ``texts`` holds a credential: one scan instead of two per text.

    Joined with "&" so a query string at the start of a text still matches; a false
    positive only means the texts are then redacted one by one.
    """
    joined = "&".join(texts)
    return bool(_SECRET_PATH.search(joined) or _SECRET_QUERY.search(joined))


def current_user_id(known: dict[str, object] | None = None) -> int | None:
    """The signed-in user's id, if this request already knows it (never queries).

    ``known``: the attributes of the request's ``g``, when the caller has them at hand.
    """
    known = vars(g) if known is None else known
    logged = known.get("log_user_id")
    if logged is not None:
        return int(logged)  # type: ignore[call-overload]
    # Flask-Login keeps the user it loaded on g; the API faces keep theirs as api_user_*.
    candidates = [known.get("_login_user")]
    candidates += [value for key, value in known.items() if key.startswith("api_user_")]
    for user in candidates:
        if user is not None and getattr(user, "is_authenticated", False):
            user_id = getattr(user, "id", None)
            if isinstance(user_id, int):
                return user_id
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = _cv_request.get(None)  # the request, without a proxy per field
        if context is not None:
            app_context = _cv_app.get(None)
            known = vars(app_context.g) if app_context is not None else {}
            entry["request_id"] = known.get("request_id", "")
            entry["remote_addr"] = context.request.remote_addr
            entry["method"] = context.request.method
            entry["path"] = redact(context.request.path)
            entry["user_id"] = current_user_id(known)
        # Fields a caller passes itself (the public cache answers outside any request).
        for key in ("request_id", "remote_addr", "method", "path", "user_id"):
            if key not in entry and hasattr(record, key):
                entry[key] = getattr(record, key)
        for key in ("status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


access_log = logging.getLogger("folio.request")


def configure_logging(app: Flask) -> None:
    if app.config.get("LOG_JSON") and not app.testing:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root = logging.getLogger()
        root.handlers = [handler]
        root.setLevel(logging.INFO)
    elif not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Alembic announces each of its plugins at INFO whenever the app is built.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        ok = 0 < len(incoming) <= 64 and incoming.replace("-", "").isalnum()
        g.request_id = incoming if ok else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        if app.config.get("LOG_JSON") and "request_started" in g:
            elapsed = (time.perf_counter() - g.request_started) * 1000
            access_log.info(
                "request",
                extra={"status": response.status_code, "duration_ms": round(elapsed, 1)},
            )
        return response
