"""A shared draft, read by anyone holding its link: ``GET /d/<token>``.

Never public: ``noindex`` in the page and its headers, ``Cache-Control: private,
no-store`` (no shared cache or proxy keeps it; the public page cache stores no
``no-store`` answer), and no list, feed, sitemap or search includes it.
"""

from __future__ import annotations

from typing import Any

from flask import make_response, redirect, render_template, url_for

from folio.articles import draft_links
from folio.core.errors import NotFound
from folio.core.uow import current_session
from folio.security import rate_limit
from folio.web import bp

_PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex, nofollow"}


def _private(body: str, status: int) -> Any:
    response = make_response(body, status)
    response.headers.update(_PRIVATE)
    # A link to the draft must not travel to another site in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/d/<token>")
@rate_limit("DRAFT_LINK")
def shared_draft(token: str):
    try:
        article = draft_links.article_for_token(current_session(), token)
    except NotFound:
        return _private(render_template("web/shared_draft_missing.html"), 404)
    version = draft_links.shared_version(current_session(), article)
    if not version.is_draft:
        # Published, with nothing pending: readers see the same at its public address.
        response = redirect(url_for("web.article", slug=version.slug))
        response.headers.update(_PRIVATE)
        return response
    return _private(render_template("web/shared_draft.html", version=version), 200)
