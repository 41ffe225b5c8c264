"""The settings page's forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Optional


class ProfileForm(FlaskForm):
    username = StringField(_l("Username"), render_kw={"autocomplete": "username"})
    display_name = StringField(_l("Display name"), validators=[Optional()])
    bio = TextAreaField(_l("Bio"), validators=[Optional()])
    image_url = StringField(
        _l("Picture URL for apps"),
        validators=[Optional()],
        description=_l(
            "An https:// link that apps using Folio's API show; Folio's pages show"
            " the picture you upload above, or your initials."
        ),
    )
    email_notifications = BooleanField(
        _l("Email me about comments on my articles and new articles from people I follow")
    )


class EmailForm(FlaskForm):
    email = StringField(_l("New email"), render_kw={"autocomplete": "email", "type": "email"})
    current_password = PasswordField(
        _l("Current password"), render_kw={"autocomplete": "current-password"}
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 8 characters; common passwords are refused."),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[EqualTo("new_password", message=_l("Repeat new password does not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class DeactivateForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Current password can't be blank"))],
        render_kw={"autocomplete": "current-password"},
    )


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(message=_l("Current password can't be blank"))],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my articles, comments and images are deleted for good"),
        validators=[InputRequired(message=_l("Tick the box to confirm"))],
    )
