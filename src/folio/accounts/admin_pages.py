"""The admin's pages: every user and article, with moderation actions."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from folio.accounts import queries as directory
from folio.accounts import rules as accounts
from folio.articles import queries as article_queries
from folio.core.uow import current_session, transactional
from folio.media import rules as media
from folio.security import safe_next_url
from folio.web import bp
from folio.web.helpers import admin_required, page_number, signed_in_user

USERS_PER_PAGE = 50


@bp.get("/admin")
@admin_required
def admin():
    number = page_number()
    users = directory.list_users(
        current_session(),
        signed_in_user(),
        limit=USERS_PER_PAGE,
        offset=(number - 1) * USERS_PER_PAGE,
    )
    return render_template("admin/users.html", users=users, page=number, tab="users")


@bp.get("/admin/articles")
@admin_required
def admin_articles():
    number = page_number()
    per_page = int(current_app.config["ARTICLES_PER_PAGE"])
    listing = article_queries.list_articles(
        current_session(), signed_in_user(), limit=per_page, offset=(number - 1) * per_page
    )
    return render_template(
        "admin/articles.html", page_of=listing, page=number, per_page=per_page, tab="articles"
    )


def _back() -> str:
    return safe_next_url(request.form.get("next"), url_for("web.admin"))


@bp.post("/admin/users/<int:user_id>/deactivate")
@admin_required
@transactional
def admin_deactivate(user_id: int):
    actor = signed_in_user()
    session = current_session()
    target = directory.get_user(session, actor, user_id)
    if target.id == actor.id:
        flash(_("You cannot deactivate your own account from here."), "error")
        return redirect(_back())
    accounts.deactivate(session, actor, target)
    flash(
        _("%(username)s is deactivated and signed out everywhere.", username=target.username),
        "success",
    )
    return redirect(_back())


@bp.post("/admin/users/<int:user_id>/delete")
@admin_required
@transactional
def admin_delete(user_id: int):
    actor = signed_in_user()
    session = current_session()
    target = directory.get_user(session, actor, user_id)
    if target.id == actor.id:
        flash(_("Delete your own account from your settings."), "error")
        return redirect(_back())
    name = target.username
    media.close_account(session, actor, target)
    flash(
        _("%(username)s and everything they wrote and uploaded are deleted.", username=name),
        "success",
    )
    return redirect(_back())


@bp.post("/admin/users/<int:user_id>/reactivate")
@admin_required
@transactional
def admin_reactivate(user_id: int):
    actor = signed_in_user()
    session = current_session()
    target = directory.get_user(session, actor, user_id)
    accounts.reactivate(session, actor, target)
    flash(_("%(username)s can sign in again.", username=target.username), "success")
    return redirect(_back())
