"""Folio's own REST API at /api/v1 (flask-smorest), over the same services as the pages.

One module per resource with its schemas beside it; ``common`` holds what they share.
The spec is served at /api/v1/openapi.json, Swagger UI at /api/v1/docs.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask import Flask

from folio.extensions import api

GUIDE = """\
Folio's REST API. Every body is JSON (`Content-Type: application/json`); every error has
the shape `{"code", "status", "message", "errors": {field: [messages]}}`.

**From nothing to a published article**

1. `POST /api/v1/users` with `{"username", "email", "password"}` registers you.
2. `POST /api/v1/auth/tokens` with `{"email", "password"}` answers `access_token` and
   `refresh_token`. Click **Authorize** and paste the `access_token` (or send
   `Authorization: Bearer <access_token>`).
3. `POST /api/v1/articles` with `{"title", "description", "body", "tags"}` writes a draft
   (add `"publish": true` to publish at once). The answer carries its `slug`.
4. `POST /api/v1/articles/{slug}/publish` publishes it; `GET /api/v1/articles` lists it.

**Conventions.** Lists take `page` and `page_size` (capped at 100) and answer
`{"items", "total", "page", "pages", "page_size"}` with a `Link` header (`first`, `prev`,
`next`, `last`); article lists also take the opaque `cursor` from `next_cursor` for fast
deep pages. Reads carry an `ETag`: `If-None-Match` gives 304 when nothing changed;
`If-Match` on `PATCH`/`DELETE` gives 412 when the article changed meanwhile. Unknown
fields are refused (422) and nothing you send can set an author, a status, dates or
counts. Sign-in, registration and comments are rate limited (429 with `Retry-After`).
"""


def register_api(app: Flask) -> None:
    from folio.accounts import api_v1 as users
    from folio.api import common, docs
    from folio.articles import api_v1 as articles
    from folio.articles import autosave_api_v1 as pending_edits
    from folio.articles import revisions_api_v1 as revisions
    from folio.articles import schedule_api_v1 as scheduling
    from folio.articles import tags_api_v1 as tags
    from folio.auth import api_v1 as auth
    from folio.comments import api_v1 as comments
    from folio.exports import api_v1 as exports
    from folio.media import api_v1 as media
    from folio.newsletter import api_v1 as newsletter
    from folio.stats import api_v1 as stats
    from folio.webhooks import api_v1 as webhooks

    # Documented errors are listed per operation, each in the one shape of errors.py.
    api.ERROR_SCHEMA = common.ErrorSchema
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    api.init_app(app, spec_kwargs={"info": {"description": GUIDE}})
    _register_components(api.spec)
    for blueprint in (
        auth.blp,
        users.blp,
        articles.blp,
        pending_edits.blp,
        comments.blp,
        tags.blp,
        media.blp,
    ):
        api.register_blueprint(blueprint)
    api.register_blueprint(revisions.blp)
    api.register_blueprint(scheduling.blp)
    api.register_blueprint(webhooks.blp)
    api.register_blueprint(exports.blp)
    api.register_blueprint(stats.blp)
    api.register_blueprint(newsletter.blp)
    common.require_some_property(api.spec, "ArticleUpdate", "MeUpdate")
    app.view_functions[docs.DOCS_ENDPOINT] = docs.swagger_ui
    common.install(app)


def _register_components(spec: APISpec) -> None:
    from folio.api import common

    string: dict[str, Any] = {"type": "string"}
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "The `access_token` from `POST /api/v1/auth/tokens`.",
        },
    )
    spec.components.parameter(
        "IfNoneMatch",
        "header",
        {
            "name": "If-None-Match",
            "schema": string,
            "description": "An `ETag` from an earlier read: 304 if it still matches.",
        },
    )
    spec.components.parameter(
        "IfMatch",
        "header",
        {
            "name": "If-Match",
            "schema": string,
            "description": "The `ETag` you read: 412 if the article changed since.",
        },
    )
    spec.components.header(
        "ETag", {"description": "The version of this representation.", "schema": string}
    )
    spec.components.header(
        "Link",
        {"description": "RFC 8288 links: first, prev, next and last pages.", "schema": string},
    )
    spec.components.header(
        "X-Folio-Token",
        {
            "description": "`ignored`: the token sent was not valid (expired, revoked, "
            "malformed), so this is the anonymous answer. Sign in again for your own view.",
            "schema": string,
        },
    )
    common.register_error_responses(spec)
