"""The writer's import form (the subscribe form carries no token: see pages.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "One address per row, in a column headed \u201cemail\u201d (or the first "
            "column). UTF-8, up to 100,000 rows."
        ),
    )
    consent = BooleanField(
        _l("These people asked to get my articles by email: add them without a confirmation mail")
    )
