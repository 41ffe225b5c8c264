"""Lists in /api/v1: flask-smorest paginates (``@blp.paginate()``); Folio answers an
envelope with RFC 8288 ``Link`` headers, and cursors for deep pages."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request
from flask_smorest.pagination import PaginationParameters
from marshmallow import Schema, fields, pre_load, validate
from webargs.flaskparser import FlaskParser

from folio.core.errors import ValidationFailed

MAX_PAGE = 100_000


class SchemaReusingParser(FlaskParser):
    """flask-smorest hands its parsers schemas as classes (the pagination schema, and
    ``@blp.arguments(SomeArgs)``'s), which webargs instantiates on every request (a tenth
    of a millisecond of a list's ~3 each); loading keeps no state on the schema, so one
    instance per class serves every request."""

    _instances: dict[type[Schema], Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> Schema:
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances[argmap] = argmap()
            return schema
        return super()._get_schema(argmap, req)


class QueryArgs(Schema):
    """Query arguments of a paginated list: ``page`` and ``page_size`` belong to
    flask-smorest's pagination and are left to it; views load these with ``unknown=RAISE``
    so that any other unknown argument is refused (422)."""

    @pre_load
    def _leave_paging_to_the_paginator(self, data: Any, **_kwargs: Any) -> Any:
        return {key: data[key] for key in data if key not in ("page", "page_size")}


class CursorArgs(QueryArgs):
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "Opaque position from `next_cursor` (or the `next` link) of the "
            "previous page: pages after it cost what the first one does. `page` is then "
            "only echoed back."
        },
    )


class PageSchema(Schema):
    """The envelope every list answers with."""

    total = fields.Integer(required=True, metadata={"description": "Items in all pages."})
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True, metadata={"description": "Number of pages."})
    page_size = fields.Integer(
        required=True,
        metadata={
            "description": "Items per page; a `page_size` above the server's maximum "
            "(`API_MAX_PAGE_SIZE`, 100 by default) is capped."
        },
    )


def page_schema(
    name: str, item: type[Schema] | Schema | fields.Field, *, cursor: bool = False
) -> type[Schema]:
    """A list envelope schema named ``name`` for ``item``s (schemas or a field)."""
    inner = item if isinstance(item, fields.Field) else fields.Nested(item)
    attrs: dict[str, Any] = {"items": fields.List(inner, required=True)}
    if cursor:
        attrs["next_cursor"] = fields.String(
            required=True,
            allow_none=True,
            metadata={"description": "Pass as `cursor` to get the next page; null at the end."},
        )
    return type(name, (PageSchema,), attrs)


def page_window(params: PaginationParameters) -> tuple[int, int]:
    """``(limit, offset)`` of a page, its size capped at ``API_MAX_PAGE_SIZE``.

    :raises ValidationFailed: ``page`` is beyond any list Folio serves.
    """
    if params.page > MAX_PAGE:
        raise ValidationFailed({"page": [f"must be at most {MAX_PAGE}"]})
    params.page_size = min(params.page_size, int(current_app.config["API_MAX_PAGE_SIZE"]))
    return params.page_size, params.first_item


def encode_cursor(position: tuple[datetime, int] | None) -> str | None:
    if position is None:
        return None
    raw = json.dumps([position[0].isoformat(), position[1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The keyset position in a cursor.

    :raises ValidationFailed: ``cursor`` is not one this API issued.
    """
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        moment, ident = json.loads(raw)
        when = datetime.fromisoformat(moment)
        valid_id = isinstance(ident, int) and not isinstance(ident, bool) and 0 < ident < 2**63
        if when.tzinfo is None or not valid_id:
            raise ValueError("cursor")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed({"cursor": ["is invalid"]}) from exc
    return when, ident


_NO_CURSOR = object()


def envelope(
    params: PaginationParameters, items: Any, headers: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """The list envelope and its ``Link`` header (RFC 8288: first, prev, next, last), from
    what the view left on flask-smorest's pagination parameters: ``item_count`` and, for
    cursor lists, ``next_cursor``."""
    page, size, total = params.page, params.page_size, int(params.item_count or 0)
    pages = max(1, math.ceil(total / size)) if size else 1
    body: dict[str, Any] = {
        "items": items,
        "total": total,
        "page": page,
        "pages": pages,
        "page_size": size,
    }
    next_cursor = getattr(params, "next_cursor", _NO_CURSOR)
    if next_cursor is not _NO_CURSOR:
        body["next_cursor"] = next_cursor if page < pages else None
    # The address and the other arguments are encoded once for every link (werkzeug
    # rebuilds ``base_url`` on each use).
    kept = urlencode([(k, v) for k, v in request.args.items(multi=True) if k not in _PAGING_KEYS])
    start = f"{request.base_url}?{kept}&" if kept else f"{request.base_url}?"
    links = {"first": _page_url(start, 1, size), "last": _page_url(start, pages, size)}
    if page > 1:
        links["prev"] = _page_url(start, min(page - 1, pages), size)
    if page < pages:
        links["next"] = _page_url(start, page + 1, size, body.get("next_cursor"))
    order = ("first", "prev", "next", "last")
    link = ", ".join(f'<{links[rel]}>; rel="{rel}"' for rel in order if rel in links)
    return body, {**dict(headers or {}), "Link": link}


def _page_url(start: str, page: int, size: int, cursor: str | None = None) -> str:
    params = [("page", str(page)), ("page_size", str(size))]
    if cursor:
        params.append(("cursor", cursor))
    return start + urlencode(params)


_PAGING_KEYS = frozenset({"page", "page_size", "cursor"})
