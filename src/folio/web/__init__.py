"""Pages for readers and writers."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__)

from folio.web import (  # noqa: E402, F401  (routes and filters)
    actions,
    admin,
    editor,
    feeds,
    filters,
    settings,
    views,
)
