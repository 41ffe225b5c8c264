"""The RealWorld ("Conduit") API at /api.

A thin translation layer: it parses the RealWorld request shapes, calls the same services
as the pages and /api/v1, and writes the RealWorld response shapes. Every rule (who may
edit, what a draft hides, how slugs and tags look) lives in each area's ``rules``; errors
take the ``{"errors": {field: [messages]}}`` shape through ``folio.errors``.
"""

from __future__ import annotations

from flask import Flask


def register_realworld(app: Flask) -> None:
    # Importing the RealWorld handlers of each area registers their routes on bp.
    from folio.accounts import realworld as _accounts  # noqa: F401
    from folio.articles import realworld as _articles  # noqa: F401
    from folio.extensions import csrf
    from folio.realworld.blueprint import bp

    # Authenticated by the Authorization header only, never by a cookie: nothing for a
    # cross-site form to ride on, so CSRF tokens do not apply.
    csrf.exempt(bp)
    app.register_blueprint(bp)
