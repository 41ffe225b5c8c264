"""The framework's limit: what every Folio figure is divided by.

Two WSGI applications that return the same small JSON document on every path, served by
the runner under the same gunicorn settings as Folio:

- ``bench.baseline:bare`` — a bare WSGI callable (no framework at all);
- ``bench.baseline:flask_app`` — a minimal Flask view (routing, request and response
  objects, ``jsonify``), the reference each Folio endpoint is reported as a ratio of.

The document is serialised per request in both, as Folio's uncached views do.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, jsonify

PAYLOAD: dict[str, Any] = {
    "articles": [
        {
            "slug": "how-to-measure-a-web-framework",
            "title": "How to measure a web framework",
            "description": "Ratios, not absolute numbers",
            "tagList": ["performance", "python"],
            "favorited": False,
            "favoritesCount": 3,
            "author": {"username": "ada", "bio": None, "image": None, "following": False},
        }
    ],
    "articlesCount": 1,
}


def bare(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], object]
) -> Iterable[bytes]:
    body = json.dumps(PAYLOAD).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


flask_app = Flask(__name__)


@flask_app.route("/", defaults={"path": ""})
@flask_app.route("/<path:path>")
def document(path: str) -> Any:
    return jsonify(PAYLOAD)
