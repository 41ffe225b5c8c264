"""Swagger UI at /api/v1/docs, served by Folio itself under the strict CSP.

flask-smorest's own page starts Swagger UI with an inline script, which the CSP
(``script-src 'self'``) blocks; this page loads a static initialiser instead and passes
the spec's URL in a data attribute.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for

DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
SPEC_ENDPOINT = "api-docs.openapi_json"


def swagger_ui() -> str:
    base = str(current_app.config["OPENAPI_SWAGGER_UI_URL"])
    return render_template(
        "api/docs.html",
        title=current_app.config["API_TITLE"],
        spec_url=url_for(SPEC_ENDPOINT),
        assets=base if base.endswith("/") else base + "/",
    )
