"""Input every face refuses up front: NUL characters, and JSON nested too deeply.

One check before any view (and before the rate limiter reads a body) rather than a patch
per field. A NUL character is a 500 on PostgreSQL (text cannot hold one) wherever it
reaches a query; JSON nested a thousand deep makes Python's parser raise RecursionError.
Both are answered 400 naming the field, in the face's own error format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, request

F = TypeVar("F", bound=Callable[..., Any])
BODY_LIMITS = "folio_body_limits"
TOO_LARGE = "folio_too_large"
NUL = "\x00"
NUL_MESSAGE = "must not contain NUL (\\u0000) characters"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A JSON string literal (escapes included); possessive, so it never backtracks.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def register_input_guards(app: Flask) -> None:
    """Run :func:`check_input` before every other ``before_request`` function.

    First, because the rate limiter's account key and the public cache read the request
    before any view does, and must never see what this refuses.
    """
    app.before_request_funcs.setdefault(None, []).insert(0, check_input)


def check_input() -> Response | tuple[Any, int] | None:
    problem = _nul_in_url() or _body_problem()
    if problem is None:
        return None
    from folio.errors import error_response

    field, message = problem
    # The message too: a page shows it even where it words body errors its own way.
    return error_response(400, {field: [message]}, message=f"{field} {message}")


def _nul_in_url() -> tuple[str, str] | None:
    if NUL in request.path:
        return "path", NUL_MESSAGE
    query = request.query_string
    if b"%00" not in query and b"\x00" not in query:
        return None  # the common case, without parsing the arguments
    return _nul_in_fields(request.args, "query")


def _nul_in_fields(fields: Any, container: str) -> tuple[str, str] | None:
    """The first field (a MultiDict's key) holding a NUL; ``container`` if a key does."""
    for key, values in fields.lists():
        if NUL in key:
            return container, NUL_MESSAGE
        if any(NUL in value for value in values):
            return key, NUL_MESSAGE
    return None


def _body_problem() -> tuple[str, str] | None:
    if not request.content_length and "chunked" not in request.headers.get("Transfer-Encoding", ""):
        return None
    if request.mimetype == _FORM_TYPES[1]:
        return _multipart_problem()
    # The raw body, cached: a form parsed later reads the cached copy, with whatever
    # per-field limit its view sets (the editor raises it).
    raw = request.get_data(cache=True)
    if request.mimetype == _FORM_TYPES[0]:
        return _nul_in_urlencoded(raw)
    return _json_problem(raw)


def _multipart_problem() -> tuple[str, str] | None:
    """A NUL in a multipart form's text fields (files are binary and may hold any byte).

    The form is parsed here, once, with the limits the view declares (an upload route
    takes a bigger body than the app's limit: ``body_limits``); files spool to disk.
    """
    raise_limits = _declared_limits()
    if raise_limits is not None:
        raise_limits()
    return _nul_in_fields(request.form, "form")


def _handler() -> Any:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(getattr(view, "view_class", None), request.method.lower(), None) or view


def _declared_limits() -> Callable[[], None] | None:
    return getattr(_handler(), BODY_LIMITS, None)


def takes_files() -> bool:
    """Whether this request's view takes files (multipart/form-data)."""
    return _declared_limits() is not None


def too_large_errors() -> dict[str, list[str]] | None:
    """How this request's view words a body past its limits; None for the default."""
    words = getattr(_handler(), TOO_LARGE, None)
    return words() if words is not None else None


def body_limits(
    raise_limits: Callable[[], None],
    too_large: Callable[[], dict[str, list[str]]] | None = None,
) -> Callable[[F], F]:
    """Mark a view that takes files: ``raise_limits`` sets the request's limits before
    anything parses its body; ``too_large`` names what is too large when a body passes
    them (the file, rather than the request's body)."""

    def decorator(view: F) -> F:
        setattr(view, BODY_LIMITS, raise_limits)
        if too_large is not None:
            setattr(view, TOO_LARGE, too_large)
        return view

    return decorator


def _nul_in_urlencoded(raw: bytes) -> tuple[str, str] | None:
    if b"%00" not in raw and b"\x00" not in raw:
        return None
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        if NUL in key:
            return "form", NUL_MESSAGE
        if NUL in value:
            return key, NUL_MESSAGE
    return None


def _json_problem(raw: bytes) -> tuple[str, str] | None:
    try:
        text = raw.decode(json.detect_encoding(raw))
    except (UnicodeDecodeError, LookupError):
        return None  # not JSON text; the view says what is wrong with it
    if not text.lstrip().startswith(("{", "[")):
        return None
    limit = int(current_app.config["JSON_MAX_DEPTH"])
    if json_depth(text) > limit:
        return "body", f"is nested too deeply (more than {limit} levels)"
    # Only an escape can put a NUL in valid JSON (a raw one is invalid); most bodies have
    # none, and are not parsed here at all.
    if "\\u0000" not in text and NUL not in text:
        return None
    if NUL in text:
        return "body", NUL_MESSAGE
    try:
        data = json.loads(text)
    except ValueError:
        return None
    for field in _nul_fields(data, ""):
        return field or "body", NUL_MESSAGE
    return None


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest, strings ignored.

    Counted without parsing (the parser is what a deep body breaks), at C speed for the
    strings; only the brackets left are walked one by one.
    """
    skeleton = _NOT_BRACKETS.sub("", _JSON_STRING.sub("", text))
    if not skeleton:
        return 0
    return max(0, max(accumulate(_DEPTH_STEP[c] for c in skeleton)))


def _nul_fields(data: Any, path: str) -> Iterator[str]:
    if isinstance(data, str):
        if NUL in data:
            yield path
    elif isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in key:
                yield path or "body"
            yield from _nul_fields(value, name.replace(NUL, "\\u0000"))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _nul_fields(item, f"{path}[{index}]")
