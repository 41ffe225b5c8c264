"""The import page's forms: the upload (its dry run) and the button that runs it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("Export file"), validators=[FileRequired(_l("Choose the export file to import."))]
    )


class RunImportForm(FlaskForm):
    """Only its CSRF token: the file and the plan are the run's already."""
