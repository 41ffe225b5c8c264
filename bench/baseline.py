"""The framework's limit: what every Folio figure is divided by.

Three WSGI applications, served by the runner under the same gunicorn settings as Folio:

- ``bench.baseline:bare`` — a bare WSGI callable (no framework at all);
- ``bench.baseline:flask_app`` — a minimal Flask view (routing, request and response
  objects, ``jsonify``), the reference each Folio endpoint is reported as a ratio of;
- ``bench.baseline:page_app`` — a minimal server-rendered page (below): what a page of
  20 article cards costs a hand-written Flask view at least, the limit for Folio's pages.

The first two return the same small JSON document on every path, serialised per request,
as Folio's uncached views do.
"""

from __future__ import annotations

import json
import sqlite3
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


# --- a minimal server-rendered page: the limit for Folio's pages --------------------------
#
# What a hand-written Flask page costs at least: one SQLite query (the standard library's
# sqlite3, no ORM) for 20 articles with their authors and tags, rendered by Jinja into a
# layout with a header, a navigation, cards and a footer, autoescaped. No sessions, hooks,
# translations, caching or logging. Its own small in-memory database (built at import), so
# it runs beside either of Folio's databases.

PAGE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ site }}</title>
<link rel="stylesheet" href="{{ url_for('static_page', path='css/site.css') }}"></head>
<body><header><a href="{{ url_for('page') }}">{{ site }}</a>
<nav><a href="{{ url_for('page') }}">Home</a>
<a href="{{ url_for('static_page', path='signin') }}">Sign in</a></nav>
</header><main><h1>Latest articles</h1>
{% for a in articles %}<article class="card"><div class="meta">
<a href="{{ url_for('static_page', path='@' ~ a.username) }}">{{ a.author }}</a>
<time datetime="{{ a.published }}">{{ a.published[:10] }}</time> · {{ a.minutes }} min read</div>
<h2><a href="{{ url_for('static_page', path='articles/' ~ a.slug) }}">{{ a.title }}</a></h2>
<p>{{ a.description }}</p><ul class="tags">{% for tag in a.tags %}<li>
<a href="{{ url_for('static_page', path='tags/' ~ tag) }}">{{ tag }}</a></li>{% endfor %}</ul>
<span class="favorites">♥ {{ a.favorites }}</span></article>
{% endfor %}</main><footer><a href="{{ url_for('static_page', path='atom.xml') }}">Atom</a></footer>
</body></html>"""


def _page_database() -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    connection.executescript(
        """
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, display_name TEXT);
        CREATE TABLE articles (id INTEGER PRIMARY KEY, slug TEXT, title TEXT,
            description TEXT, author_id INTEGER, published_at TEXT, word_count INTEGER,
            favorites INTEGER);
        CREATE TABLE tags (article_id INTEGER, name TEXT);
        CREATE INDEX articles_published ON articles (published_at, id);
        CREATE INDEX tags_article ON tags (article_id);
        """
    )
    for n in range(200):
        connection.execute("INSERT INTO users VALUES (?, ?, ?)", (n, f"writer_{n}", f"Writer {n}"))
    for n in range(2000):
        connection.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                n,
                f"how-to-measure-a-web-framework-{n}",
                f"How to measure a web framework, part {n}",
                "Ratios, not absolute numbers: what a request costs beside a minimal view",
                n % 200,
                f"2026-11-{1 + n % 28:02d}T12:{n % 60:02d}:00+00:00",
                600 + n,
                n % 50,
            ),
        )
        for tag in ("performance", "python", "flask")[: 1 + n % 3]:
            connection.execute("INSERT INTO tags VALUES (?, ?)", (n, tag))
    return connection


_PAGE_QUERY = """
SELECT a.slug, a.title, a.description, a.published_at, a.word_count, a.favorites,
       u.username, coalesce(u.display_name, u.username),
       (SELECT group_concat(name, ',') FROM tags WHERE tags.article_id = a.id)
FROM articles a JOIN users u ON u.id = a.author_id
ORDER BY a.published_at DESC, a.id DESC LIMIT 20
"""

page_app = Flask(__name__)
_page_connection = _page_database()
_page_template = page_app.jinja_env.from_string(PAGE_TEMPLATE)


@page_app.route("/")
def page() -> str:
    rows = _page_connection.execute(_PAGE_QUERY).fetchall()
    articles = [
        {
            "slug": slug,
            "title": title,
            "description": description,
            "published": published,
            "minutes": max(1, round(words / 230)),
            "favorites": favorites,
            "username": username,
            "author": author,
            "tags": tags.split(",") if tags else [],
        }
        for slug, title, description, published, words, favorites, username, author, tags in rows
    ]
    return _page_template.render(site="Folio", articles=articles)


@page_app.route("/<path:path>")
def static_page(path: str) -> str:
    return path
