"""Machine-readable pages: Atom feeds, the sitemap, robots.txt. Drafts never appear."""

from __future__ import annotations

from flask import Response, render_template, url_for

from folio.accounts import queries as directory
from folio.articles import queries as article_queries
from folio.articles.queries import ArticleFilter, ArticleListing
from folio.core.uow import current_session
from folio.models import now_utc
from folio.social import rules as social
from folio.web import bp

FEED_SIZE = 20


def _atom(items: list[ArticleListing], *, title: str, self_url: str, page_url: str) -> Response:
    # An empty feed is "updated" now: Atom requires the element.
    updated = max((item.article.updated_at for item in items), default=now_utc())
    xml = render_template(
        "web/atom.xml",
        items=items,
        title=title,
        self_url=self_url,
        page_url=page_url,
        updated=updated,
    )
    return Response(xml, mimetype="application/atom+xml")


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
