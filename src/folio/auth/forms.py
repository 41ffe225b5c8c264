"""Forms for signing up, signing in and resetting a password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo


class RegisterForm(FlaskForm):
    username = StringField(
        "Username",
        description="3 to 30 letters, digits, '_' or '-'. Your page will be /@username.",
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    email = EmailField("Email", render_kw={"autocomplete": "email"})
    password = PasswordField(
        "Password",
        description="At least 8 characters; common passwords are refused.",
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField("Email", render_kw={"autocomplete": "email"})
    password = PasswordField("Password", render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField("Email", render_kw={"autocomplete": "email"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 8 characters; common passwords are refused.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[EqualTo("password", message="Repeat new password does not match.")],
        render_kw={"autocomplete": "new-password"},
    )
