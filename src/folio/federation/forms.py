"""Forms of the federation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional


class HandleForm(FlaskForm):
    handle = StringField(_l("Fediverse handle"), validators=[Optional()])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Reply"), validators=[Optional()])


class DomainForm(FlaskForm):
    domain = StringField(_l("Domain"), validators=[Optional()])
