"""The writer's pages for scheduled publishing and shared drafts.

The editor's "Schedule", "Cancel schedule", "Create a share link" and "Revoke" buttons
(``web/_editor_schedule.html``) submit the whole editor form here (``formaction``): what
was typed is saved first, so nothing is lost, then the action is done. The "Scheduled"
page lists what is coming; the time-zone setting lives on the settings page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from babel import dates
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from folio.accounts.pages import _page as settings_page
from folio.articles import autosave, draft_links, scheduling
from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.forms import ArticleForm, split_tags
from folio.articles.pages import conflict_editor_page, editor_page
from folio.articles.rules import ArticleChanges
from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.i18n import DEFAULT_LOCALE
from folio.i18n.messages import translated
from folio.models import Article, DraftLink, User, now_utc
from folio.security import rate_limit
from folio.web import bp
from folio.web.helpers import apply_errors, large_form, no_store, signed_in_user, viewer


def _horizon() -> timedelta:
    return timedelta(days=int(current_app.config["SCHEDULE_HORIZON_DAYS"]))


def _zone_name(user: User) -> str | None:
    """The writer's zone: their setting, else the browser's (sent by schedule.js)."""
    if user.time_zone:
        return user.time_zone
    sent = (request.form.get("browser_time_zone") or "").strip()
    return sent if sent in scheduling.time_zone_names() else None


def _remember_browser_zone(session: Any, user: User, zone: str | None) -> None:
    # The setting defaults to the browser's zone: keep it once it has been used.
    if zone and not user.time_zone:
        scheduling.set_time_zone(session, user, zone)


# --- the editor's part ----------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleContext:
    """What ``web/_editor_schedule.html`` shows."""

    zone: str
    zone_known: bool
    value: str
    minimum: str
    scheduled_local: str | None
    scheduled_iso: str | None
    errors: list[str]
    links: list[DraftLink]


def schedule_context(article: Article | None) -> ScheduleContext:
    """The editor partial's data (a template global, so editor.html needs one include)."""
    user = viewer()
    zone = (user.time_zone if user else None) or None
    scheduled = article.publish_at if article is not None else None
    links: list[DraftLink] = []
    if article is not None and user is not None and articles.can_edit(user, article):
        links = draft_links.active_links(current_session(), article)
    typed = getattr(g, "schedule_value", None)
    return ScheduleContext(
        zone=zone or "UTC",
        zone_known=zone is not None,
        value=typed if typed is not None else scheduling.local_input_value(scheduled, zone),
        minimum=scheduling.local_input_value(now_utc(), zone),
        scheduled_local=_local_label(scheduled, zone) if scheduled else None,
        scheduled_iso=scheduled.isoformat() if scheduled else None,
        errors=list(getattr(g, "schedule_errors", [])),
        links=links,
    )


def _local_label(moment: Any, zone: str | None) -> str:
    """ "Friday, May 1, 2026, 14:00", in the reader's language, in ``zone``."""
    local = moment.astimezone(scheduling.zone_of(zone))
    locale = get_locale() or DEFAULT_LOCALE
    day = dates.format_date(local, "full", locale=locale)
    return f"{day}, {dates.format_time(local, 'HH:mm', locale=locale)}"


def publish_date_errors(messages: list[str]) -> list[str]:
    """The domain's messages on the publish date, as sentences in the reader's language."""
    return [_("Publish date %(problem)s", problem=_translated(m)) for m in messages]


def _translated(message: str) -> str:
    # The domain's English message in the reader's language (folio.media.pages.translated).
    return translated(message, (scheduling.TOO_FAR,))


def schedule_messages() -> dict[str, str]:
    """What schedule.js says (its ``folio-messages-schedule`` block)."""
    return {"browser_zone": _("%(zone)s, your browser's time zone")}


@bp.app_context_processor
def _schedule_globals() -> dict[str, Any]:
    return {
        "schedule_context": schedule_context,
        "local_time": _local_label,
        "schedule_messages": schedule_messages,
        "time_zone_names": scheduling.time_zone_names,
    }


def _editor_changes(form: ArticleForm) -> ArticleChanges:
    return {
        "title": form.title.data,
        "description": form.description.data,
        "body": form.body.data,
        "tags": split_tags(form.tags.data),
        "cover_image": form.cover_image.data or None,
    }


def _save_editor(session: Any, user: User, article: Article | None, form: ArticleForm) -> Article:
    """Save what the editor holds: a new draft, or the article's changes."""
    if article is None:
        return articles.create_article(
            session,
            user,
            title=form.title.data,
            description=form.description.data,
            body=form.body.data,
            tags=split_tags(form.tags.data),
            cover_image=form.cover_image.data or None,
        )
    return _keep_typed(session, user, article, form)


def _keep_typed(session: Any, user: User, article: Article, form: ArticleForm) -> Article:
    """Save what was typed on the way, checked against the version the editor started
    from; on a published article it becomes the pending update, never public at once."""
    return autosave.keep_unpublished(
        session,
        user,
        article,
        _editor_changes(form),
        version=form.started_version(),
        pending_version=form.started_pending_version(),
    )


def _refused(form: ArticleForm, article: Article | None, error: DomainError) -> Any:
    """The editor again, with what was typed and the messages next to the fields."""
    if isinstance(error, autosave.EditConflict) and article is not None:
        return conflict_editor_page(form, article.slug, error)
    schedule_errors = publish_date_errors(error.errors.get(scheduling.FIELD, []))
    g.schedule_errors = schedule_errors
    g.schedule_value = request.form.get("publish_at", "")
    others = {k: v for k, v in error.errors.items() if k != scheduling.FIELD}
    apply_errors(form, others)
    if schedule_errors:
        form.form_errors.extend(schedule_errors)
    if article is not None:
        # The rolled-back article reloads as stored; the form keeps what was typed.
        article = article_queries.get_article(current_session(), signed_in_user(), article.slug)
    return editor_page(form, article, None, error.status_code)


def _editable(slug: str) -> Article:
    user = signed_in_user()
    article = article_queries.get_article(current_session(), user, slug)
    if not articles.can_edit(user, article):
        abort(403)
    return article


def _schedule_from_editor(article: Article | None) -> Any:
    user = signed_in_user()
    form = ArticleForm()
    if not form.validate():
        return editor_page(form, article, None, 400)
    zone = _zone_name(user)
    try:
        with unit_of_work() as uow:
            moment = scheduling.parse_local_moment(request.form.get("publish_at"), zone)
            saved = _save_editor(uow.session, user, article, form)
            scheduling.schedule_article(uow.session, user, saved, moment, horizon=_horizon())
            _remember_browser_zone(uow.session, user, zone)
    except DomainError as error:
        return _refused(form, article, error)
    flash(
        _(
            "Scheduled: “%(title)s” will be published on %(moment)s (%(zone)s).",
            title=saved.title,
            moment=_local_label(saved.publish_at, zone),
            zone=zone or "UTC",
        ),
        "success",
    )
    return redirect(url_for("web.edit_article", slug=saved.slug))


@bp.post("/articles/new/schedule")
@rate_limit("WRITE")
@login_required
@no_store
@large_form
def schedule_new_article():
    return _schedule_from_editor(None)


@bp.post("/articles/<slug>/schedule")
@rate_limit("WRITE")
@login_required
@no_store
@large_form
def schedule_article(slug: str):
    return _schedule_from_editor(_editable(slug))


# An editor action done after saving what was typed: it answers the message to show.
EditorAct = Callable[[Session, User, Article], str]


def _editor_action(slug: str, act: EditorAct, *, act_first: bool = False) -> Any:
    """An editor button that saves what was typed on the way and does ``act`` (which
    answers the message to show), in one unit of work. ``act_first``: before the save
    (cancelling a schedule first lets the draft be saved without what scheduling needs)."""
    article = _editable(slug)
    user = signed_in_user()
    form = ArticleForm()
    if not form.validate():
        return editor_page(form, article, None, 400)
    try:
        with unit_of_work() as uow:
            if act_first:
                message = act(uow.session, user, article)
            _keep_typed(uow.session, user, article, form)
            if not act_first:
                message = act(uow.session, user, article)
    except DomainError as error:
        if error.status_code == 404:
            abort(404)
        return _refused(form, article, error)
    flash(message, "success")
    return redirect(url_for("web.edit_article", slug=article.slug))


@bp.post("/articles/<slug>/unschedule")
@rate_limit("WRITE")
@login_required
@no_store
@large_form
def unschedule_article(slug: str):
    def cancel(session: Session, user: User, article: Article) -> str:
        scheduling.cancel_schedule(session, user, article)
        return _("Schedule cancelled: the article stays a draft.")

    return _editor_action(slug, cancel, act_first=True)


@bp.post("/articles/<slug>/draft-links")
@rate_limit("WRITE")
@login_required
@no_store
@large_form
def create_draft_link(slug: str):
    def create(session: Session, user: User, article: Article) -> str:
        _link, token = draft_links.create_draft_link(session, user, article)
        link = url_for("web.shared_draft", token=token, _external=True)
        return _("Share link created (copy it now, it is shown only once): %(link)s", link=link)

    return _editor_action(slug, create)


@bp.post("/articles/<slug>/draft-links/<int(min=1, max=2147483647):link_id>/revoke")
@rate_limit("WRITE")
@login_required
@no_store
@large_form
def revoke_draft_link(slug: str, link_id: int):
    def revoke(session: Session, user: User, article: Article) -> str:
        draft_links.revoke_draft_link(session, user, article, link_id)
        return _("Share link revoked: it no longer opens the draft.")

    return _editor_action(slug, revoke)


# --- the "Scheduled" page ---------------------------------------------------------------


class ScheduleForm(FlaskForm):
    """CSRF for the Scheduled page's reschedule and cancel forms."""


@bp.get("/me/scheduled")
@login_required
@no_store
def scheduled():
    user = signed_in_user()
    return _scheduled_page(user)


def _scheduled_page(user: User, status: int = 200, failed: dict[str, Any] | None = None) -> Any:
    items = scheduling.scheduled_for(current_session(), user)
    zone = user.time_zone
    return (
        render_template(
            "web/scheduled.html",
            items=items,
            zone=zone or "UTC",
            zone_known=zone is not None,
            input_value=lambda moment: scheduling.local_input_value(moment, zone),
            minimum=scheduling.local_input_value(now_utc(), zone),
            failed=failed or {},
        ),
        status,
    )


def _scheduled_article(user: User, slug: str) -> Article:
    article = article_queries.get_article(current_session(), user, slug)
    if not articles.can_delete(user, article):
        abort(403)
    return article


@bp.post("/me/scheduled/<slug>/reschedule")
@rate_limit("WRITE")
@login_required
@no_store
def reschedule(slug: str):
    user = signed_in_user()
    zone = _zone_name(user)
    try:
        with unit_of_work() as uow:
            article = _scheduled_article(user, slug)
            moment = scheduling.parse_local_moment(request.form.get("publish_at"), zone)
            scheduling.schedule_article(uow.session, user, article, moment, horizon=_horizon())
            _remember_browser_zone(uow.session, user, zone)
    except DomainError as error:
        failed = {
            "slug": slug,
            "value": request.form.get("publish_at", ""),
            "errors": publish_date_errors(error.errors.get(scheduling.FIELD, []))
            or [_translated(error.message)],
        }
        return _scheduled_page(user, error.status_code, failed)
    flash(
        _(
            "“%(title)s” now goes out on %(moment)s.",
            title=article.title,
            moment=_local_label(article.publish_at, zone),
        ),
        "success",
    )
    return redirect(url_for("web.scheduled"))


@bp.post("/me/scheduled/<slug>/cancel")
@rate_limit("WRITE")
@login_required
@no_store
def cancel(slug: str):
    user = signed_in_user()
    try:
        with unit_of_work() as uow:
            article = _scheduled_article(user, slug)
            scheduling.cancel_schedule(uow.session, user, article)
    except DomainError as error:
        failed = {
            "slug": slug,
            "value": "",
            "errors": publish_date_errors(error.errors.get(scheduling.FIELD, []))
            or [_translated(error.message)],
        }
        return _scheduled_page(user, error.status_code, failed)
    flash(_("Schedule cancelled: “%(title)s” stays a draft.", title=article.title), "success")
    return redirect(url_for("web.scheduled"))


# --- the time-zone setting -------------------------------------------------------------


@bp.post("/settings/time-zone")
@login_required
@no_store
def save_time_zone():
    user = signed_in_user()
    try:
        with unit_of_work() as uow:
            scheduling.set_time_zone(uow.session, user, request.form.get("time_zone", ""))
    except DomainError as error:
        problem = _translated(error.errors["time_zone"][0])
        flash(_("Time zone not saved: it %(problem)s.", problem=problem), "error")
        return settings_page(user, error.status_code)
    flash(_("Dates are now shown in %(zone)s.", zone=user.time_zone), "success")
    return redirect(url_for("web.settings"))
