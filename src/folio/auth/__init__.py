"""Sign-up, sign-in, sign-out, password reset: the pages under /auth."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from folio.auth import pages  # noqa: E402, F401  (registers the routes on bp)
