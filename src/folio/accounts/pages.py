"""Account settings: profile, email, password, sign out everywhere, close the account."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from folio.accounts import rules as accounts
from folio.accounts.forms import (
    DeactivateForm,
    DeleteAccountForm,
    EmailForm,
    PasswordForm,
    ProfileForm,
)
from folio.accounts.rules import ProfileChanges
from folio.core.errors import DomainError
from folio.core.uow import current_session, transactional, unit_of_work
from folio.media import rules as media
from folio.models import User
from folio.security import refuse_common_passwords
from folio.web import bp
from folio.web.helpers import apply_errors, no_store, signed_in_user


def _forms(user: User, **given: Any) -> dict[str, Any]:
    forms = {
        "profile_form": ProfileForm(
            formdata=None,
            data={
                "username": user.username,
                "display_name": user.display_name or "",
                "bio": user.bio or "",
                "image_url": user.image_url or "",
                "email_notifications": user.email_notifications,
            },
        ),
        "email_form": EmailForm(formdata=None, prefix="email", data={"email": user.email}),
        "password_form": PasswordForm(formdata=None, prefix="pw"),
        "deactivate_form": DeactivateForm(formdata=None, prefix="close"),
        "delete_form": DeleteAccountForm(formdata=None, prefix="delete"),
    }
    forms.update(given)
    return forms


def _page(user: User, status: int = 200, **given: Any):
    return render_template("web/settings.html", user=user, **_forms(user, **given)), status


def _keep_signed_in(user: User) -> None:
    """After the session version moved, sign this browser in again with a fresh session."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    remember = cookie in request.cookies
    session.clear()
    login_user(user, remember=remember)


@bp.get("/settings")
@login_required
@no_store
def settings():
    return _page(signed_in_user())


@bp.post("/settings")
@login_required
@no_store
def save_profile():
    user = signed_in_user()
    form = ProfileForm()
    if not form.validate():
        return _page(user, 400, profile_form=form)
    changes: ProfileChanges = {
        "username": form.username.data,
        "display_name": form.display_name.data,
        "bio": form.bio.data,
        "image_url": form.image_url.data,
        "email_notifications": bool(form.email_notifications.data),
    }
    try:
        with unit_of_work() as uow:
            accounts.update_profile(uow.session, user, changes)
    except DomainError as error:
        apply_errors(form, error.errors)
        return _page(user, error.status_code, profile_form=form)
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("web.settings"))


@bp.post("/settings/email")
@login_required
@no_store
def change_email():
    user = signed_in_user()
    form = EmailForm(prefix="email")
    try:
        with unit_of_work() as uow:
            accounts.update_profile(
                uow.session,
                user,
                {"email": form.email.data},
                current_password=form.current_password.data,
            )
    except DomainError as error:
        apply_errors(form, error.errors)
        return _page(user, error.status_code, email_form=form)
    flash(_("Your email address is changed."), "success")
    return redirect(url_for("web.settings"))


@bp.post("/settings/password")
@login_required
@no_store
def change_password():
    user = signed_in_user()
    form = PasswordForm(prefix="pw")
    if not form.validate():
        return _page(user, 422, password_form=form)
    try:
        with unit_of_work() as uow:
            accounts.change_password(
                uow.session,
                user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                refuse_common_passwords=refuse_common_passwords("web"),
            )
    except DomainError as error:
        apply_errors(form, error.errors, {"password": "new_password"})
        return _page(user, error.status_code, password_form=form)
    _keep_signed_in(user)
    flash(_("Your password is changed; every other device was signed out."), "success")
    return redirect(url_for("web.settings"))


@bp.post("/settings/sign-out-everywhere")
@login_required
@transactional
def sign_out_everywhere():
    user = signed_in_user()
    accounts.sign_out_everywhere(current_session(), user)
    _keep_signed_in(user)
    flash(_("Every other device and browser is signed out."), "success")
    return redirect(url_for("web.settings"))


def _confirmed(user: User, form: DeactivateForm | DeleteAccountForm) -> bool:
    """Whether a form that ends the account is valid and carries the right password."""
    if form.validate() and accounts.verify_password(user, form.current_password.data):
        return True
    if form.current_password.data and not form.current_password.errors:
        form.current_password.errors = [_("Current password is incorrect")]
    return False


def _signed_out(message: str):
    logout_user()
    session.clear()
    flash(message, "success")
    return redirect(url_for("web.index"))


@bp.post("/settings/deactivate")
@login_required
@no_store
@transactional
def deactivate_account():
    user = signed_in_user()
    form = DeactivateForm(prefix="close")
    if not _confirmed(user, form):
        return _page(user, 422, deactivate_form=form)
    accounts.deactivate(current_session(), user, user)
    return _signed_out(_("Your account is closed. Thank you for writing with us."))


@bp.post("/settings/delete")
@login_required
@no_store
@transactional
def delete_account():
    """Delete the account for good: articles, comments, favorites, follows and images."""
    user = signed_in_user()
    form = DeleteAccountForm(prefix="delete")
    if not _confirmed(user, form):
        return _page(user, 422, delete_form=form)
    media.close_account(current_session(), user, user)
    return _signed_out(_("Your account and everything in it are deleted."))
