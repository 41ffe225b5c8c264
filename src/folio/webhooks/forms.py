"""The webhook form of the settings and admin pages."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from folio.webhooks.events import ARTICLE_EVENTS, COMMENT_EVENTS, SITE_ONLY_EVENTS
from folio.webhooks.models import Scope
from folio.webhooks.rules import DESCRIPTION_MAX, URL_MAX

# Each event type's name for people (lazy: translated when a page shows it).
LABELS = {
    "article.published": _l("Article published"),
    "article.updated": _l("Article updated"),
    "article.unpublished": _l("Article unpublished"),
    "article.deleted": _l("Article deleted"),
    "comment.created": _l("Comment added"),
    "comment.deleted": _l("Comment deleted"),
    "user.registered": _l("User registered"),
}


class EventChoices(SelectMultipleField):
    """One checkbox per event type."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WebhookForm(FlaskForm):
    url = StringField(
        _l("Payload URL"),
        validators=[DataRequired(message=_l("can't be blank")), Length(max=URL_MAX)],
        description=_l("Folio POSTs each event here as signed JSON. A public https address."),
    )
    description = StringField(_l("Description"), validators=[Length(max=DESCRIPTION_MAX)])
    events = EventChoices(
        _l("Events"), validators=[DataRequired(message=_l("Choose at least one event."))]
    )

    def for_scope(self, scope: Scope) -> WebhookForm:
        names = [*ARTICLE_EVENTS, *COMMENT_EVENTS]
        if scope is Scope.SITE:
            names += SITE_ONLY_EVENTS
        self.events.choices = [
            (name, _("%(label)s (%(event)s)", label=LABELS[name], event=name)) for name in names
        ]
        return self
