"""The editor's form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from folio.core.errors import DomainError
from folio.i18n import N_


def split_tags(value: str | None) -> list[str]:
    """ "python, web dev" -> ["python", "web dev"]; the service normalises each tag."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class ArticleForm(FlaskForm):
    title = StringField(_l("Title"), render_kw={"autocomplete": "off", "maxlength": 200})
    description = StringField(
        _l("Description"),
        description=_l("One or two sentences for lists, feeds and search engines."),
    )
    body = TextAreaField(
        _l("Body"),
        description=_l(
            "Markdown: **bold**, _italic_, # headings, - lists, [links](https://…);"
            " fence code with three backticks and a language name for highlighting."
        ),
    )
    tags = StringField(
        _l("Tags"), description=_l("Separate tags with commas, e.g. python, web design.")
    )
    # The cover: one of the writer's uploads, by URL (the editor's script or a file below).
    cover_image = HiddenField(_l("Cover image"))
    remove_cover = BooleanField(_l("Remove the cover"))
    # Newsletter: mail the article to subscribers and email-following members on publishing.
    send_email = BooleanField(
        _l("Also send by email to my subscribers when published"), default=True
    )
    # The language the article is written in (folio.i18n.language_tag); the choices are
    # the page's (article_language_choices), the rules check what comes back.
    language = SelectField(
        _l("Article language"),
        description=_l(
            "What the article is written in, so browsers, screen readers and feed readers"
            " read it right, whatever language Folio's own pages are in."
        ),
        validate_choice=False,
    )
    # Without JavaScript: a picture added at the end of the body when the form is sent.
    image_alt = StringField(
        _l("Alt text"),
        description=_l("What the picture shows, for readers who cannot see it."),
        render_kw={"maxlength": 300},
    )
    image_decorative = BooleanField(_l("Decorative picture (no alt text needed)"))
    # The versions the editor started from (the article's, and its pending edit's): a
    # save on an older one is a conflict the writer resolves (folio.articles.autosave).
    version = HiddenField("Version")
    pending_version = HiddenField("Pending version")

    def started_version(self) -> int | None:
        return _hidden_version(self.version.data, "version")

    def started_pending_version(self) -> int | None:
        return _hidden_version(self.pending_version.data, "pending_version")


def _hidden_version(value: str | None, name: str) -> int | None:
    """A hidden version field: absent is unchecked (an old client), garbage is refused."""
    if not value:
        return None
    if not value.isdigit():
        raise DomainError({name: [N_("is not valid: reload the editor (your text is kept here)")]})
    return int(value)
