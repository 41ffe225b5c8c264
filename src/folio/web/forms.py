"""Forms the reading pages share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Optional


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[Optional()])
