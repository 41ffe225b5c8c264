"""The settings page's forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Optional


class ProfileForm(FlaskForm):
    username = StringField("Username", render_kw={"autocomplete": "username"})
    display_name = StringField("Display name", validators=[Optional()])
    bio = TextAreaField("Bio", validators=[Optional()])
    image_url = StringField(
        "Picture URL for apps",
        validators=[Optional()],
        description="An https:// link that apps using Folio's API show; Folio's pages show"
        " the picture you upload above, or your initials.",
    )
    email_notifications = BooleanField(
        "Email me about comments on my articles and new articles from people I follow"
    )


class EmailForm(FlaskForm):
    email = StringField("New email", render_kw={"autocomplete": "email", "type": "email"})
    current_password = PasswordField(
        "Current password", render_kw={"autocomplete": "current-password"}
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        "New password",
        render_kw={"autocomplete": "new-password"},
        description="At least 8 characters; common passwords are refused.",
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[EqualTo("new_password", message="Repeat new password does not match.")],
        render_kw={"autocomplete": "new-password"},
    )


class DeactivateForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(message="Current password can't be blank")],
        render_kw={"autocomplete": "current-password"},
    )


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(message="Current password can't be blank")],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        "I understand that my articles, comments and images are deleted for good",
        validators=[InputRequired(message="Tick the box to confirm")],
    )
