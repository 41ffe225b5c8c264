"""Reader pages: home, feed, tags, search, articles, profiles, "my articles"."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask_login import login_required

from folio.articles import queries as article_queries
from folio.articles.queries import ArticleFilter, ArticleView
from folio.comments import rules as comment_service
from folio.core.uow import current_session
from folio.models import Status
from folio.social import rules as social
from folio.web import bp
from folio.web.forms import CommentForm
from folio.web.helpers import decode_cursor, encode_cursor, page_number, viewer

SEARCH_MAX = 200
TAG_CLOUD = 30


def article_list(filters: ArticleFilter) -> tuple[list[ArticleView], str | None, bool]:
    """One page of a list, newest first, by keyset: ``(items, next cursor, is_later_page)``.

    One row more than a page is asked for, so "Older" shows only when there is more.
    """
    per_page = int(current_app.config["ARTICLES_PER_PAGE"])
    after = decode_cursor(request.args.get("before"))
    page = article_queries.list_article_views(
        current_session(), viewer(), filters, limit=per_page + 1, after=after, with_total=False
    )
    items = page.items[:per_page]
    cursor = None
    if len(page.items) > per_page:
        last = items[-1]
        when = last.updated_at if filters.mine else last.published_at
        if when is not None:
            cursor = encode_cursor(when, last.id)
    return items, cursor, after is not None


@bp.get("/")
def index():
    items, cursor, later = article_list(ArticleFilter())
    tags = article_queries.popular_tags(current_session(), TAG_CLOUD)
    return render_template(
        "web/index.html", items=items, cursor=cursor, later=later, tags=tags, tab="latest"
    )


@bp.get("/feed")
@login_required
def feed():
    items, cursor, later = article_list(ArticleFilter(feed=True))
    tags = article_queries.popular_tags(current_session(), TAG_CLOUD)
    return render_template(
        "web/index.html", items=items, cursor=cursor, later=later, tags=tags, tab="feed"
    )


@bp.get("/tags/<tag>")
def tag(tag: str):
    name = article_queries.normalise_tag(tag)
    if name != tag and name:
        return redirect(url_for("web.tag", tag=name), 301)
    items, cursor, later = article_list(ArticleFilter(tag=name))
    return render_template("web/tag.html", tag=name, items=items, cursor=cursor, later=later)


@bp.get("/search")
def search():
    query = request.args.get("q", "")[:SEARCH_MAX].strip()
    per_page = int(current_app.config["ARTICLES_PER_PAGE"])
    number = page_number()
    results = None
    if query:
        results = article_queries.list_article_views(
            current_session(),
            viewer(),
            ArticleFilter(query=query),
            limit=per_page,
            offset=(number - 1) * per_page,
        )
    return render_template(
        "web/search.html", query=query, results=results, page=number, per_page=per_page
    )


@bp.get("/articles/<slug>")
def article(slug: str):
    session = current_session()
    user = viewer()
    listing = article_queries.get_listing(session, user, slug)
    comments = comment_service.list_comments(session, user, listing.article)
    return render_template(
        "web/article.html",
        listing=listing,
        article=listing.article,
        comments=comments,
        form=CommentForm() if user else None,
    )


@bp.get("/@<username>")
def profile(username: str):
    return _profile(username, "articles")


@bp.get("/@<username>/favorites")
def profile_favorites(username: str):
    return _profile(username, "favorites")


def _profile(username: str, tab: str):
    found = social.profile(current_session(), viewer(), username)
    if found.user.username != username:
        endpoint = "web.profile" if tab == "articles" else "web.profile_favorites"
        return redirect(url_for(endpoint, username=found.user.username), 301)
    filters = (
        ArticleFilter(author=found.user.username)
        if tab == "articles"
        else ArticleFilter(favorited_by=found.user.username)
    )
    items, cursor, later = article_list(filters)
    return render_template(
        "web/profile.html",
        profile=found,
        user=found.user,
        items=items,
        cursor=cursor,
        later=later,
        tab=tab,
    )


MINE_TABS = {"all": None, "drafts": Status.DRAFT, "published": Status.PUBLISHED}


@bp.get("/me/articles")
@login_required
def my_articles():
    show = request.args.get("show", "all")
    if show not in MINE_TABS:
        show = "all"
    items, cursor, later = article_list(ArticleFilter(mine=True, status=MINE_TABS[show]))
    return render_template(
        "web/my_articles.html", items=items, cursor=cursor, later=later, show=show
    )
