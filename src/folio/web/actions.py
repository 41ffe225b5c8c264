"""One-click actions: favorite, follow, comment. Each is a POST with a CSRF token.

Without JavaScript they redirect back to the page; ``fetch`` asking for JSON gets the
new state instead, so the button updates without a reload.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.comments import rules as comment_service
from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.security import rate_limit, safe_next_url
from folio.social import rules as social
from folio.web import bp
from folio.web.forms import CommentForm
from folio.web.helpers import apply_errors, signed_in_user, wants_json


def _back(default: str) -> str:
    return safe_next_url(request.form.get("next"), default)


@bp.post("/articles/<slug>/favorite")
@login_required
def favorite(slug: str):
    return _favorite(slug, True)


@bp.post("/articles/<slug>/unfavorite")
@login_required
def unfavorite(slug: str):
    return _favorite(slug, False)


def _favorite(slug: str, on: bool):
    user = signed_in_user()
    with unit_of_work() as uow:
        article = article_queries.get_article(uow.session, user, slug)
        if on:
            articles.favorite_article(uow.session, user, article)
        else:
            articles.unfavorite_article(uow.session, user, article)
    if wants_json():
        return jsonify({"favorited": on, "favorites_count": article.favorites_count})
    flash(
        _("Added “%(title)s” to your favorites.", title=article.title)
        if on
        else _("Removed “%(title)s” from your favorites.", title=article.title),
        "success",
    )
    return redirect(_back(url_for("web.article", slug=slug)))


@bp.post("/@<username>/follow")
@login_required
def follow(username: str):
    user = signed_in_user()
    with unit_of_work() as uow:
        found = social.follow(uow.session, user, username)
    if wants_json():
        return jsonify({"following": True})
    flash(
        _("You follow %(name)s; their new articles appear in your feed.", name=found.user.name),
        "success",
    )
    return redirect(_back(url_for("web.profile", username=found.user.username)))


@bp.post("/@<username>/unfollow")
@login_required
def unfollow(username: str):
    user = signed_in_user()
    with unit_of_work() as uow:
        found = social.unfollow(uow.session, user, username)
    if wants_json():
        return jsonify({"following": False})
    flash(_("You no longer follow %(name)s.", name=found.user.name), "success")
    return redirect(_back(url_for("web.profile", username=found.user.username)))


@bp.post("/articles/<slug>/comments")
@login_required
@rate_limit("COMMENT")
def add_comment(slug: str):
    user = signed_in_user()
    session = current_session()
    listing = article_queries.get_listing(session, user, slug)
    form = CommentForm()
    try:
        with unit_of_work() as uow:
            comment = comment_service.add_comment(
                uow.session, user, listing.article, form.body.data
            )
    except DomainError as error:
        if error.status_code != 422:
            raise
        apply_errors(form, error.errors)
        listing = article_queries.get_listing(session, user, slug)
        comments = comment_service.list_comments(session, user, listing.article)
        page = render_template(
            "web/article.html",
            listing=listing,
            article=listing.article,
            comments=comments,
            form=form,
        )
        return page, error.status_code
    flash(_("Your comment is posted."), "success")
    return redirect(url_for("web.article", slug=slug, _anchor=f"comment-{comment.id}"))


@bp.post("/articles/<slug>/comments/<int:comment_id>/delete")
@login_required
def delete_comment(slug: str, comment_id: int):
    user = signed_in_user()
    with unit_of_work() as uow:
        article = article_queries.get_article(uow.session, user, slug)
        comment_service.delete_comment(uow.session, user, article, comment_id)
    flash(_("The comment was deleted."), "success")
    return redirect(_back(url_for("web.article", slug=slug, _anchor="comments")))
