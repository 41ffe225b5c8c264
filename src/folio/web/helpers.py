"""Small pieces every page view shares: the viewer, form errors, cursors, no-store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from flask_babel import gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from folio.extensions import csrf
from folio.guards import body_limits
from folio.i18n.messages import translated
from folio.media.uploads import allow_upload_size
from folio.models import User

F = TypeVar("F", bound=Callable[..., Any])


def viewer() -> User | None:
    """The signed-in user, or None for an anonymous reader."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def signed_in_user() -> User:
    user = viewer()
    if user is None:  # login_required runs first; this keeps mypy and readers honest
        abort(401)
    return user


def apply_errors(
    form: FlaskForm, errors: Mapping[str, list[str]], aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's ``{field: [messages]}`` next to the form's fields, translated.

    Messages are prefixed with the field's label ("Title can't be blank"); errors about
    no field of this form go to ``form.form_errors``. The services' messages are English
    (the APIs answer with them); here each is read in the reader's language.
    """
    for key, messages in errors.items():
        name = (aliases or {}).get(key, key)
        field = form._fields.get(name)
        if field is None or name == "csrf_token" or isinstance(field, HiddenField):
            label = field_label(key)
            form.form_errors.extend(labelled_error(label, m) for m in messages)
            continue
        label = str(field.label.text)
        field.errors = [*field.errors, *(labelled_error(label, m) for m in messages)]


def field_label(key: str) -> str:
    """A field name the reader can read: "display_name" gives "Display name", translated."""
    return gettext(key.replace("_", " ").capitalize())


def labelled_error(label: str, message: str) -> str:
    """ "can't be blank" reads "Title can't be blank"; a whole sentence stands as it is."""
    text = translated(message)
    if message[:1].isupper():
        return text
    # A language may put the label elsewhere: the joining is a message of its own.
    return gettext("%(label)s %(message)s", label=label, message=text)


def no_store(view: F) -> F:
    """Mark a page as private: it carries a form (a CSRF token) or personal content."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.folio_no_store = True
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def mark_no_store() -> None:
    g.folio_no_store = True


def large_form(view: F) -> F:
    """Let this view take fields up to ``EDITOR_MAX_FORM_MEMORY_SIZE`` (a long article).

    Werkzeug limits each form field to 500 kB. CSRFProtect reads the form before any
    view runs, so the view is exempt from it and checks the token itself, once the
    larger limit is in place.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        request.max_form_memory_size = current_app.config["EDITOR_MAX_FORM_MEMORY_SIZE"]
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        return view(*args, **kwargs)

    csrf.exempt(wrapper)
    # The editor's form may carry a cover and a picture besides a long text.
    return body_limits(allow_upload_size)(wrapper)  # type: ignore[return-value]


def page_number() -> int:
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), 10_000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_cursor(when: datetime, article_id: int) -> str:
    # Whole microseconds, exactly: a float timestamp could round past the row it names.
    micros = (when - _EPOCH) // _MICROSECOND
    return f"{micros}.{article_id}"


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    """A keyset position from ``?before=``; None (the first page) when it is malformed."""
    if not value:
        return None
    micros, _, article_id = value.partition(".")
    if not micros.isdigit() or not article_id.isdigit():
        return None
    try:
        when = _EPOCH + timedelta(microseconds=int(micros))
    except OverflowError:
        return None
    return when, int(article_id)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def admin_required(view: F) -> F:
    """Signed-in administrators only: others are sent to sign in, or get a 403."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not signed_in_user().is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
