"""The writer's revision history pages: list, view one, compare two, restore one.

Only the article's author and administrators see them; for anyone else they do not
exist (404), so an article's history leaks nothing.
"""

from __future__ import annotations

import math
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from folio.articles import queries as article_queries
from folio.articles import revisions
from folio.articles import rules as articles
from folio.articles.diffs import field_html
from folio.articles.markdown_limits import TOO_WIDE_TEMPLATE
from folio.articles.revision_models import ArticleRevision
from folio.core.errors import DomainError, NotFound, ValidationFailed
from folio.core.uow import current_session, unit_of_work
from folio.errors import error_response
from folio.i18n.messages import translated
from folio.models import Article, User
from folio.web import bp
from folio.web.helpers import no_store, page_number, signed_in_user

PAGE_SIZE = 20


def _article(user: User, slug: str) -> Article:
    """The article whose history ``user`` may see (404 otherwise, drafts included)."""
    article = article_queries.get_article(current_session(), user, slug)
    if not revisions.can_see_revisions(user, article):
        raise NotFound("revision")
    return article


def _missing(error: NotFound, revision_id: int) -> Any:
    """404 saying which revision and why (it may be another article's)."""
    if not isinstance(error, revisions.RevisionNotFound):
        raise error
    reasons = ", ".join(_translated(reason) for reason in error.errors.get("revision", []))
    message = _("Revision %(number)s: %(reason)s.", number=revision_id, reason=reasons)
    return error_response(404, error.errors, message=message)


_TEMPLATES = (
    revisions.NAMES_NO_REVISION,
    revisions.OTHER_ARTICLE,
    *articles.TEMPLATES,
    TOO_WIDE_TEMPLATE,
)


def _translated(message: str) -> str:
    # A domain message in the reader's language (folio.media.pages.translated).
    return translated(message, _TEMPLATES)


def _field_label(name: str) -> str:
    labels = {
        "title": _("Title"),
        "description": _("Description"),
        "tags": _("Tags"),
        "body": _("Body"),
        "cover_image": _("Cover image"),
    }
    return labels.get(name, name.replace("_", " ").capitalize())


def _revision(user: User, article: Article, revision_id: int) -> ArticleRevision:
    return revisions.get_revision(current_session(), user, article, revision_id)


def _viewed_revision(slug: str, revision_id: int) -> tuple[User, Article, ArticleRevision]:
    """The signed-in viewer, the article and its revision (NotFound when either is not
    theirs to see)."""
    user = signed_in_user()
    article = _article(user, slug)
    return user, article, _revision(user, article, revision_id)


@bp.get("/articles/<slug>/history")
@login_required
@no_store
def article_history(slug: str):
    user = signed_in_user()
    article = _article(user, slug)
    number = page_number()
    page = revisions.list_revisions(
        current_session(), user, article, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    items = page.items
    return render_template(
        "web/history.html",
        article=article,
        items=items,
        page=number,
        pages=max(1, math.ceil(page.total / PAGE_SIZE)),
        total=page.total,
        chosen_a=items[1].id if len(items) > 1 else None,
        chosen_b=items[0].id if items else None,
    )


@bp.get("/articles/<slug>/history/compare")
@login_required
@no_store
def compare_revisions(slug: str):
    user = signed_in_user()
    article = _article(user, slug)
    try:
        old_id = revisions.parse_revision_id(request.args.get("a"), "a")
        new_id = revisions.parse_revision_id(request.args.get("b"), "b")
        old, new, diff = revisions.compare_revisions(
            current_session(), user, article, old_id, new_id
        )
    except ValidationFailed as error:
        problems = [
            _(
                "Revision %(side)s: %(problems)s",
                side=key,
                problems=", ".join(_translated(m) for m in value),
            )
            for key, value in error.errors.items()
        ]
        page = render_template("web/compare.html", article=article, problems=problems)
        return page, error.status_code
    sections = [(field, field_html(field)) for field in diff.fields]
    return render_template(
        "web/compare.html", article=article, old=old, new=new, diff=diff, sections=sections
    )


@bp.get("/articles/<slug>/history/<int:revision_id>")
@login_required
@no_store
def article_revision(slug: str, revision_id: int):
    try:
        user, article, revision = _viewed_revision(slug, revision_id)
    except NotFound as error:
        return _missing(error, revision_id)
    session = current_session()
    content = revisions.revision_content(session, revision)
    try:
        rendered: Markup | None = Markup(articles.preview_html(session, content.body))  # noqa: S704 - sanitised by the render
    except DomainError:
        rendered = None  # too complex to render now; the source is still shown
    return render_template(
        "web/revision.html", article=article, revision=revision, content=content, body=rendered
    )


@bp.route("/articles/<slug>/history/<int:revision_id>/restore", methods=["GET", "POST"])
@login_required
@no_store
def restore_revision(slug: str, revision_id: int):
    try:
        user, article, revision = _viewed_revision(slug, revision_id)
    except NotFound as error:
        return _missing(error, revision_id)
    if request.method == "GET":
        return render_template("web/restore.html", article=article, revision=revision)
    number = revision.number
    try:
        with unit_of_work() as uow:
            kept = revisions.restore_revision(uow.session, user, article, revision)
    except ValidationFailed as error:
        problems = [
            _(
                "%(label)s %(message)s",
                label=_field_label(key),
                message=", ".join(_translated(m) for m in value),
            )
            for key, value in error.errors.items()
        ]
        # The rolled-back rows reload as they are stored.
        article = _article(user, slug)
        revision = _revision(user, article, revision_id)
        page = render_template(
            "web/restore.html", article=article, revision=revision, problems=problems
        )
        return page, error.status_code
    flash(
        _(
            "Revision %(number)s restored. It is kept as revision %(kept)s.",
            number=number,
            kept=kept.number,
        ),
        "success",
    )
    return redirect(url_for("web.article", slug=article.slug))
