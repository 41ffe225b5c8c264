"""Sign-up, sign-in, sign-out and password reset."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from folio.accounts import rules as accounts
from folio.auth.forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm
from folio.core.errors import DomainError, ValidationFailed
from folio.core.uow import current_session, unit_of_work
from folio.models import User
from folio.security import rate_limit, refuse_common_passwords, remember_device, safe_next_url
from folio.tasks import ensure_queue_reachable
from folio.web.helpers import apply_errors, mark_no_store, viewer

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_request
def _private() -> None:
    # Every page here carries a form, hence a CSRF token: never cache one.
    mark_no_store()


def _next(form_value: str | None = None) -> str:
    return safe_next_url(form_value or request.args.get("next"), url_for("web.index"))


def _sign_in(user: User, remember: bool = False) -> None:
    # A fresh session: nothing planted before sign-in survives it (session fixation).
    session.clear()
    login_user(user, remember=remember)


@bp.get("/register")
def register():
    if current_user.is_authenticated:
        return redirect(_next())
    form = RegisterForm(data={"next": _next()})
    return render_template("auth/register.html", form=form)


@bp.post("/register")
@rate_limit("REGISTER")
def register_post():
    form = RegisterForm()
    if not form.validate():
        return render_template("auth/register.html", form=form), 400
    try:
        with unit_of_work() as uow:
            user = accounts.register(
                uow.session,
                username=form.username.data,
                email=form.email.data,
                password=form.password.data,
                refuse_common_passwords=refuse_common_passwords("web"),
            )
    except DomainError as error:
        apply_errors(form, error.errors)
        return render_template("auth/register.html", form=form), error.status_code
    _sign_in(user)
    flash(_("Welcome to Folio, %(name)s! Your account is ready.", name=user.username), "success")
    return redirect(_next(form.next.data))


@bp.get("/login")
def login():
    if current_user.is_authenticated:
        return redirect(_next())
    form = LoginForm(data={"next": _next()})
    return render_template("auth/login.html", form=form)


def _login_email() -> str | None:
    # The account limit's key: the very field login_post authenticates (Flask-WTF reads
    # a JSON body as well as a form, so the form decides, not a guess at the body).
    return LoginForm().email.data


@bp.post("/login")
@rate_limit("SIGNIN", account=_login_email)
def login_post():
    form = LoginForm()
    if not form.validate():
        return render_template("auth/login.html", form=form), 400
    try:
        user = accounts.authenticate(
            current_session(), email=form.email.data, password=form.password.data
        )
    except DomainError as error:
        apply_errors(form, error.errors)
        if "credentials" in error.errors:
            form.form_errors[:] = [_("That email and password do not match an account.")]
        form.password.data = ""
        return render_template("auth/login.html", form=form), error.status_code
    _sign_in(user, remember=bool(form.remember.data))
    flash(_("Welcome back, %(name)s.", name=user.name), "success")
    return redirect(_next(form.next.data))


@bp.post("/logout")
def logout():
    user = viewer()
    if user is not None:
        # The session version moves, so a copy of this session cookie stops working too.
        with unit_of_work() as uow:
            accounts.sign_out_everywhere(uow.session, user)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("web.index"))


@bp.get("/reset")
def reset_request():
    return render_template("auth/reset_request.html", form=ResetRequestForm())


@bp.post("/reset")
@rate_limit("RESET")
def reset_request_post():
    form = ResetRequestForm()
    if not form.validate():
        return render_template("auth/reset_request.html", form=form), 400
    email, problems = accounts.normalise_email(form.email.data)
    if problems:
        apply_errors(form, {"email": problems})
        return render_template("auth/reset_request.html", form=form), 422
    # No broker, no email: a 503 now rather than a promise of a link that never comes.
    ensure_queue_reachable()
    # Queued after the commit: the worker makes the link from PUBLIC_URL and mails it,
    # and the answer takes as long whether or not the address has an account.
    with unit_of_work() as uow:
        accounts.request_password_reset(uow.session, email)
    # The same answer whether or not the address has an account: no one learns who does.
    flash(
        _(
            "If %(email)s has a Folio account, a link to reset its password is on its way.",
            email=email,
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


def _reset_user(token: str) -> User | None:
    try:
        return accounts.user_for_reset_token(
            current_session(),
            token,
            current_app.config["SECRET_KEY"],
            int(current_app.config["PASSWORD_RESET_MAX_AGE"]),
        )
    except ValidationFailed:
        return None


@bp.get("/reset/<token>")
def reset_password(token: str):
    if _reset_user(token) is None:
        return render_template("auth/reset_invalid.html"), 400
    return render_template("auth/reset_password.html", form=ResetPasswordForm(), token=token)


@bp.post("/reset/<token>")
@rate_limit("RESET")
def reset_password_post(token: str):
    form = ResetPasswordForm()
    if _reset_user(token) is None:
        return render_template("auth/reset_invalid.html"), 400
    if not form.validate():
        return render_template("auth/reset_password.html", form=form, token=token), 422
    try:
        with unit_of_work() as uow:
            user = accounts.reset_password(
                uow.session,
                token,
                form.password.data,
                secret_key=current_app.config["SECRET_KEY"],
                max_age=int(current_app.config["PASSWORD_RESET_MAX_AGE"]),
                refuse_common_passwords=refuse_common_passwords("web"),
            )
    except DomainError as error:
        apply_errors(form, error.errors)
        return render_template("auth/reset_password.html", form=form, token=token), 422
    logout_user()
    session.clear()
    # The link came by email: this browser is the owner's, whatever guesses locked others.
    remember_device(user)
    flash(_("Your password is changed. Sign in with the new one."), "success")
    return redirect(url_for("auth.login"))
