"""The writer's pages: new, edit, preview, publish, unpublish, delete."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from folio.articles import autosave
from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.forms import ArticleForm, split_tags
from folio.articles.rules import ArticleChanges
from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.i18n import DEFAULT_LOCALE, N_
from folio.media.models import MediaKind
from folio.media.pages import media_json, receive_file, uploaded_file
from folio.media.variants import key_of_url, media_path
from folio.models import Article
from folio.security import rate_limit, safe_next_url
from folio.web import bp
from folio.web.helpers import apply_errors, large_form, no_store, signed_in_user

ACTIONS = {"draft", "publish", "preview", "save"}


def _plural(singular: str, plural: str, count: int) -> str:
    """One plural form as the catalog has it, ``%(num)s`` left in for the script.

    The pairs' catalog entries come from editor.html, which writes the same ngettext."""
    return get_translations().ungettext(singular, plural, count)


def editor_messages() -> dict[str, object]:
    """What editor.js says, in the reader's language (its ``folio-messages-editor``
    block); placeholders like ``%(time)s`` are filled by the script."""
    return {
        "saving": _("Saving…"),
        "offline": _("Offline — kept on this device"),
        "signed_out": _("Signed out — kept on this device"),
        "retrying": _("Not saved yet — kept on this device; trying again shortly"),
        "refused": _("Not saved: %(reason)s — kept on this device"),
        "refused_reason": _("the server refused it"),
        "saved": _("Saved %(time)s"),
        "saved_pending": _("Saved %(time)s — not published yet"),
        "pending_from": _("Unpublished changes from %(time)s."),
        "conflict": _("Not saved — this article changed elsewhere; choose below"),
        "conflict_by_at": _(
            "It was saved by %(name)s at %(time)s, in another tab or on another device."
        ),
        "conflict_by": _("It was saved by %(name)s, in another tab or on another device."),
        "conflict_at": _("It was saved at %(time)s, in another tab or on another device."),
        "conflict_plain": _("It was saved in another tab or on another device."),
        "conflict_choose": _("Nothing was overwritten: compare, copy what you need, then choose."),
        "showing_current": _("Showing the current text"),
        "restore_detail": _(
            "This device kept a copy from %(time)s that differs from the text Folio has"
            " (shown below)."
        ),
        "restored": _("Restored the copy from this device"),
        "nothing_new": _("Saved — nothing new to save"),
        "preview_too_complex": _("This body is too complex to preview; simplify it to publish."),
        "preview_paused": _("The preview is paused; it comes back when Folio answers."),
        "preview_nothing": _("Nothing to preview yet."),
        "bold_text": _("bold text"),
        "italic_text": _("italic text"),
        "code_text": _("code"),
        "link_text": _("link text"),
        # Both forms of each count, for Intl.PluralRules to pick from (English, German
        # and Spanish have these two: "one" and "other").
        "words": {
            "one": _plural("%(num)s word", "%(num)s words", 1),
            "other": _plural("%(num)s word", "%(num)s words", 2),
        },
        "minutes": {
            "one": _plural("%(num)s min read", "%(num)s min read", 1),
            "other": _plural("%(num)s min read", "%(num)s min read", 2),
        },
        "upload_failed": _("The upload failed."),
        "upload_offline": _("The upload failed: check your connection and try again."),
        "uploading": _("Uploading %(name)s…"),
        "uploaded_alt": _("Uploaded. Add its alt text."),
        "uploaded_not_inserted": _("Uploaded to My media; not inserted."),
        "inserted": _("Image inserted."),
        "cover_uploaded": _("Cover uploaded; save to keep it."),
    }


# Languages a writer is offered for an article, by BCP 47 tag; any other stored tag is
# offered too (folio.i18n.language_tag keeps what /api/v1 accepts).
ARTICLE_LANGUAGES = (
    "ar", "ca", "cs", "da", "de", "el", "en", "es", "eu", "fi", "fr", "ga", "gl", "he",
    "hi", "hu", "id", "it", "ja", "ko", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sv",
    "tr", "uk", "vi", "zh-Hans", "zh-Hant",
)  # fmt: skip


def article_language_choices(current: str | None) -> list[tuple[str, str]]:
    """The editor's language choices, each named in the reader's language."""
    reader = get_locale() or Locale.parse(DEFAULT_LOCALE)
    tags = set(ARTICLE_LANGUAGES) | ({current} if current else set())
    named = []
    for tag in tags:
        try:
            name = Locale.parse(tag, sep="-").get_display_name(reader) or tag
        except (ValueError, UnknownLocaleError):
            name = tag  # a tag Babel does not know (still a valid BCP 47 tag)
        named.append((tag, name[:1].upper() + name[1:]))
    site = _("Not set: the site's language")
    return [("", site), *sorted(named, key=lambda pair: pair[1].casefold())]


def editor_page(
    form: ArticleForm,
    article: Article | None,
    preview: Markup | None,
    status: int = 200,
    conflict: autosave.EditConflict | None = None,
):
    pending = autosave.find_pending(current_session(), article) if article else None
    form.language.choices = article_language_choices(form.language.data)
    return (
        render_template(
            "web/editor.html",
            form=form,
            article=article,
            preview=preview,
            new_cover=_new_cover_path(form, article),
            pending=pending,
            conflict=conflict,
            editor_messages=editor_messages(),
        ),
        status,
    )


def _editor_form(article: Article) -> ArticleForm:
    """The editor opened on the article, or on its pending edit when there is one."""
    text = autosave.current_text(current_session(), article)
    return ArticleForm(
        data={
            "title": text.title,
            "description": text.description,
            "body": text.body,
            "tags": ", ".join(text.tags),
            "cover_image": text.cover_image or "",
            "send_email": article.send_email,
            "language": article.language or "",
            "version": str(text.version),
            "pending_version": str(text.pending_version or ""),
        }
    )


def _new_cover_path(form: ArticleForm, article: Article | None) -> str | None:
    """The cover the form holds when it is not the article's stored one (chosen without
    the script, then previewed or refused), so the writer sees it is kept."""
    key = key_of_url(form.cover_image.data or "")
    if key is None or (article is not None and article.cover and article.cover.original_key == key):
        return None
    return media_path(key)


def _preview_editor(form: ArticleForm, article: Article | None):
    """The editor with the body rendered in its preview pane (the no-JavaScript preview).

    A body the renderer refuses (too complex) gets its message next to the field.
    """
    try:
        # The same render as the script's preview: uploads drawn as pictures.
        html = articles.preview_html(current_session(), form.body.data or "")
        return editor_page(form, article, Markup(html))  # noqa: S704 - sanitised by the render
    except DomainError as error:
        apply_errors(form, error.errors)
        return editor_page(form, article, None, error.status_code)


def _take_uploads(form: ArticleForm) -> None:
    """The editor's file fields, for writers without JavaScript: a cover, and a picture
    added at the end of the body (with its description). Each upload is kept in My media
    even when the article itself is not saved.

    :raises DomainError: a file Folio refuses, or a picture with no description that is
        not marked decorative (on ``image_alt``).
    """
    if form.remove_cover.data:
        form.cover_image.data = ""
    if (cover := uploaded_file("cover_file")) is not None:
        try:
            form.cover_image.data = media_json(receive_file(cover, MediaKind.IMAGE))["url"]
        except DomainError as error:
            raise DomainError({"cover_image": error.errors.get("file", [error.message])}) from None
    if (image := uploaded_file("image_file")) is None:
        return
    alt = " ".join((form.image_alt.data or "").split()).replace("]", "")
    if not alt and not form.image_decorative.data:
        raise DomainError(
            {"image_alt": [N_("is needed: say what the picture shows, or mark it decorative")]}
        )
    try:
        url = media_json(receive_file(image, MediaKind.IMAGE))["url"]
    except DomainError as error:
        raise DomainError({"image_alt": error.errors.get("file", [error.message])}) from None
    form.body.data = f"{(form.body.data or '').rstrip()}\n\n![{alt}]({url})\n"
    form.image_alt.data = ""
    form.image_decorative.data = False


# The editor says it showed the "also send by email" box: an unticked box sends nothing,
# and a form without the box (an older page, a script) must not turn the mail off.
_SEND_EMAIL_SHOWN = "send_email_shown"


def _send_email(form: ArticleForm, *, default: bool) -> bool:
    return bool(form.send_email.data) if _SEND_EMAIL_SHOWN in request.form else default


def _action() -> str:
    action = request.form.get("action", "draft")
    return action if action in ACTIONS else "draft"


@bp.route("/articles/new", methods=["GET", "POST"])
@rate_limit("WRITE", methods=["POST"])
@login_required
@no_store
@large_form
def new_article():
    form = ArticleForm()
    if request.method == "GET":
        return editor_page(form, None, None)
    action = _action()
    try:
        _take_uploads(form)
    except DomainError as error:
        apply_errors(form, error.errors)
        return editor_page(form, None, None, error.status_code)
    if action == "preview":
        return _preview_editor(form, None)
    user = signed_in_user()
    if not form.validate():
        return editor_page(form, None, None, 400)
    try:
        with unit_of_work() as uow:
            article = articles.create_article(
                uow.session,
                user,
                title=form.title.data,
                description=form.description.data,
                body=form.body.data,
                tags=split_tags(form.tags.data),
                publish=action == "publish",
                cover_image=form.cover_image.data or None,
                send_email=_send_email(form, default=True),
                language=form.language.data or None,
            )
    except DomainError as error:
        apply_errors(form, error.errors)
        return editor_page(form, None, None, error.status_code)
    if article.is_published:
        flash(_("Your article is published."), "success")
    else:
        flash(_("Draft saved. Only you can see it until you publish it."), "success")
    return redirect(url_for("web.article", slug=article.slug))


@bp.route("/articles/<slug>/edit", methods=["GET", "POST"])
@rate_limit("WRITE", methods=["POST"])
@login_required
@no_store
@large_form
def edit_article(slug: str):
    user = signed_in_user()
    session = current_session()
    article = article_queries.get_article(session, user, slug)
    if not articles.can_edit(user, article):
        abort(403)
    if request.method == "GET":
        return editor_page(_editor_form(article), article, None)
    form = ArticleForm()
    action = _action()
    try:
        _take_uploads(form)
    except DomainError as error:
        apply_errors(form, error.errors)
        return editor_page(form, article, None, error.status_code)
    if action == "preview":
        return _preview_editor(form, article)
    if not form.validate():
        return editor_page(form, article, None, 400)
    changes: ArticleChanges = {
        "title": form.title.data,
        "description": form.description.data,
        "body": form.body.data,
        "tags": split_tags(form.tags.data),
        "cover_image": form.cover_image.data or None,
    }
    if "language" in request.form:
        changes["language"] = form.language.data
    if not article.is_published and _SEND_EMAIL_SHOWN in request.form:
        # Shown until publishing: a published article has been mailed already.
        changes["send_email"] = _send_email(form, default=article.send_email)
    publishing = action == "publish" and not article.is_published
    try:
        with unit_of_work() as uow:
            autosave.save_edit(
                uow.session,
                user,
                article,
                changes,
                version=form.started_version(),
                pending_version=form.started_pending_version(),
            )
            if publishing:
                articles.publish_article(uow.session, user, article)
    except autosave.EditConflict as conflict:
        return conflict_editor_page(form, slug, conflict)
    except DomainError as error:
        apply_errors(form, error.errors)
        # The rolled-back article reloads as it was stored; the form keeps what was typed.
        return editor_page(
            form, article_queries.get_article(session, user, slug), None, error.status_code
        )
    flash(_saved_message(article, publishing), "success")
    return redirect(url_for("web.article", slug=article.slug))


def _saved_message(article: Article, publishing: bool) -> str:
    if publishing:
        return _("Your article is published.")
    if not article.is_published:
        # The editor's autosave may have made the draft already: the same words as a new one.
        return _("Draft saved. Only you can see it until you publish it.")
    return _("Changes saved.")


def conflict_editor_page(form: ArticleForm, slug: str, conflict: autosave.EditConflict):
    """409: the writer's text stays in the form, now based on the current version (so
    saving again keeps it); the current text is shown beside it to compare and copy."""
    form.version.data = str(conflict.theirs.version or "")
    form.pending_version.data = str(conflict.theirs.pending_version or "")
    article = article_queries.get_article(current_session(), signed_in_user(), slug)
    return editor_page(form, article, None, 409, conflict=conflict)


@bp.post("/articles/preview")
@rate_limit("PREVIEW")
@login_required
@large_form
def preview():
    """The editor's live preview: Markdown in, sanitised HTML out (JSON).

    A body too complex to render answers 422 with ``{"errors": {"body": [...]}}``.
    """
    try:
        html = articles.preview_html(current_session(), request.form.get("body", ""))
    except DomainError as error:
        return jsonify({"errors": error.errors}), error.status_code
    return jsonify({"html": str(html)})


def _back(default: str) -> str:
    return safe_next_url(request.form.get("next"), default)


@bp.post("/articles/<slug>/publish")
@login_required
def publish(slug: str):
    user = signed_in_user()
    try:
        with unit_of_work() as uow:
            article = article_queries.get_article(uow.session, user, slug)
            articles.publish_article(uow.session, user, article)
    except DomainError as error:
        if error.status_code != 422:
            raise
        flash(_("Add a description and a body before publishing."), "error")
        return redirect(url_for("web.edit_article", slug=slug))
    flash(_("Your article is published."), "success")
    return redirect(_back(url_for("web.article", slug=article.slug)))


@bp.post("/articles/<slug>/unpublish")
@login_required
def unpublish(slug: str):
    user = signed_in_user()
    with unit_of_work() as uow:
        article = article_queries.get_article(uow.session, user, slug)
        articles.unpublish_article(uow.session, user, article)
    flash(
        _("“%(title)s” is a draft again; readers no longer see it.", title=article.title), "success"
    )
    return redirect(_back(url_for("web.article", slug=article.slug)))


@bp.route("/articles/<slug>/delete", methods=["GET", "POST"])
@login_required
@no_store
def delete(slug: str):
    user = signed_in_user()
    article = article_queries.get_article(current_session(), user, slug)
    if not articles.can_delete(user, article):
        abort(403)
    if request.method == "GET":
        return render_template("web/delete.html", article=article)
    title = article.title
    with unit_of_work() as uow:
        articles.delete_article(uow.session, user, article)
    flash(_("“%(title)s” was deleted.", title=title), "success")
    return redirect(_back(url_for("web.my_articles")))
