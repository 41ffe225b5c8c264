"""Machine-readable pages: Atom feeds, the sitemap, robots.txt. Drafts never appear.

Feed readers poll all day: the feeds are public reads (folio.caching stores them for
anonymous readers) and answer ``If-None-Match``/``If-Modified-Since`` with a 304.
"""

from __future__ import annotations

import operator
import re
from datetime import UTC, datetime

from flask import Response, render_template, request, url_for
from markupsafe import Markup

from folio.accounts import queries as directory
from folio.articles import queries as article_queries
from folio.articles.queries import ArticleFilter, ArticleListing
from folio.caching import not_modified
from folio.core.uow import current_session
from folio.models import now_utc
from folio.social import rules as social
from folio.web import bp

FEED_SIZE = 20
# Pygments' token spans: their classes need the site's stylesheet, which no reader has.
_HIGHLIGHT_SPAN = re.compile(r'<span class="hl-[\w-]+">([^<]*)</span>')
_span_text = operator.itemgetter(1)


def _atom(items: list[ArticleListing], *, title: str, self_url: str, page_url: str) -> Response:
    # An empty feed is "updated" now: Atom requires the element.
    updated = max((item.article.updated_at for item in items), default=None)
    xml = render_template(
        "web/atom.xml",
        items=items,
        title=title,
        self_url=self_url,
        page_url=page_url,
        updated=updated or now_utc(),
        content={item.article.id: _feed_html(item.article.body_html) for item in items},
        when=atom_time,
    )
    response = Response(xml, mimetype="application/atom+xml")
    response.add_etag()
    if updated is not None:
        response.last_modified = updated
    etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    if not_modified(request.environ, etag, last_modified):
        response.status_code = 304  # werkzeug sends no body and no body headers
    return response


def _feed_html(body_html: str) -> Markup:
    """An article's HTML as a CDATA section: a third shorter than escaped text."""
    # A function, not r"\1": Python 3.11 expands a template in Python, twice as slow.
    plain = _HIGHLIGHT_SPAN.sub(_span_text, body_html) if 'class="hl-' in body_html else body_html
    return Markup("<![CDATA[" + plain.replace("]]>", "]]]]><![CDATA[>") + "]]>")  # noqa: S704 - sanitised HTML, in CDATA


def atom_time(value: datetime) -> str:
    """RFC 3339 to the second, as feeds write it (``2026-12-03T16:26:29Z``)."""
    # isoformat, not strftime: cheaper, and a feed writes 41 of them.
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _latest(filters: ArticleFilter) -> list[ArticleListing]:
    page = article_queries.list_articles(
        current_session(), None, filters, limit=FEED_SIZE, with_total=False, with_body=True
    )
    return page.items


@bp.get("/atom.xml")
def atom():
    return _atom(
        _latest(ArticleFilter()),
        title="Folio",
        self_url=url_for("web.atom", _external=True),
        page_url=url_for("web.index", _external=True),
    )


@bp.get("/@<username>/atom.xml")
def profile_atom(username: str):
    found = social.profile(current_session(), None, username)
    name = found.user.username
    return _atom(
        _latest(ArticleFilter(author=name)),
        title=f"{found.user.name} on Folio",
        self_url=url_for("web.profile_atom", username=name, _external=True),
        page_url=url_for("web.profile", username=name, _external=True),
    )


@bp.get("/tags/<tag>/atom.xml")
def tag_atom(tag: str):
    name = article_queries.normalise_tag(tag)
    return _atom(
        _latest(ArticleFilter(tag=name)),
        title=f"#{name} on Folio",
        self_url=url_for("web.tag_atom", tag=name, _external=True),
        page_url=url_for("web.tag", tag=name, _external=True),
    )


@bp.get("/sitemap.xml")
def sitemap():
    session = current_session()
    xml = render_template(
        "web/sitemap.xml",
        articles=directory.published_articles(session),
        authors=directory.public_authors(session),
    )
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = [
        "User-agent: *",
        "Disallow: /admin",
        "Disallow: /settings",
        "Disallow: /auth/",
        "Disallow: /me/",
        "Disallow: /feed",
        "Disallow: /articles/new",
        "Disallow: /api/",
        f"Sitemap: {url_for('web.sitemap', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")
