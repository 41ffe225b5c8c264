"""The webhook form of the settings and admin pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from folio.webhooks.events import ARTICLE_EVENTS, COMMENT_EVENTS, SITE_ONLY_EVENTS
from folio.webhooks.models import Scope
from folio.webhooks.rules import DESCRIPTION_MAX, URL_MAX

LABELS = {
    "article.published": "Article published",
    "article.updated": "Article updated",
    "article.unpublished": "Article unpublished",
    "article.deleted": "Article deleted",
    "comment.created": "Comment added",
    "comment.deleted": "Comment deleted",
    "user.registered": "User registered",
}


class EventChoices(SelectMultipleField):
    """One checkbox per event type."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField(
        "Payload URL",
        validators=[DataRequired(message="can't be blank"), Length(max=URL_MAX)],
        description="Folio POSTs each event here as signed JSON. A public https address.",
    )
    description = StringField("Description", validators=[Length(max=DESCRIPTION_MAX)])
    events = EventChoices("Events", validators=[DataRequired(message="Choose at least one event.")])

    def for_scope(self, scope: Scope) -> WebhookForm:
        names = [*ARTICLE_EVENTS, *COMMENT_EVENTS]
        if scope is Scope.SITE:
            names += SITE_ONLY_EVENTS
        self.events.choices = [(name, f"{LABELS[name]} ({name})") for name in names]
        return self
