"""Forms for signing up, signing in and resetting a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo


class RegisterForm(FlaskForm):
    username = StringField(
        _l("Username"),
        description=_l("3 to 30 letters, digits, '_' or '-'. Your page will be /@username."),
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    email = EmailField(_l("Email"), render_kw={"autocomplete": "email"})
    password = PasswordField(
        _l("Password"),
        description=_l("At least 8 characters; common passwords are refused."),
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 8 characters; common passwords are refused."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[EqualTo("password", message=_l("Repeat new password does not match."))],
        render_kw={"autocomplete": "new-password"},
    )
