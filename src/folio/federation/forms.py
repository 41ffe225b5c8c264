"""Forms of the federation pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional


class HandleForm(FlaskForm):
    handle = StringField("Fediverse handle", validators=[Optional()])


class ReplyForm(FlaskForm):
    body = TextAreaField("Reply", validators=[Optional()])


class DomainForm(FlaskForm):
    domain = StringField("Domain", validators=[Optional()])
