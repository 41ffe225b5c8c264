"""The editor's JSON endpoints: autosave, publish or discard a pending edit.

Session authentication, CSRF in the ``X-CSRFToken`` header (Flask-WTF checks it on every
POST), answers always JSON: 401 when signed out, 409 with both texts on a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from folio.articles import autosave
from folio.articles import queries as article_queries
from folio.articles.markdown_limits import TOO_WIDE_TEMPLATE
from folio.articles.rules import TEMPLATES as ARTICLE_TEMPLATES
from folio.articles.rules import ArticleChanges
from folio.core.errors import DomainError
from folio.core.uow import unit_of_work
from folio.errors import handle_domain_error
from folio.extensions import csrf, db
from folio.i18n import N_
from folio.i18n.messages import translated
from folio.security import rate_limit
from folio.web import bp
from folio.web.helpers import signed_in_user, wants_json

F = TypeVar("F", bound=Callable[..., Any])

_TEXT_FIELDS = ("title", "description", "body", "cover_image")
# Messages with a value in them that an autosave can answer (folio.media.pages.translated).
_TEMPLATES = (*ARTICLE_TEMPLATES, TOO_WIDE_TEMPLATE)


class BadRequest(DomainError):
    status_code = 400


def _json_only(view: F) -> F:
    """Signed-in writers only (401 JSON otherwise); domain errors as JSON, rolled back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Signed out first: a session that ended also took its CSRF token with it.
        if not current_user.is_authenticated:
            return jsonify({"errors": {"session": [_("sign in to continue")]}}), 401
        try:
            if current_app.config.get("WTF_CSRF_ENABLED", True):
                csrf.protect()
        except CSRFError:
            message = _("is missing or expired: reload the editor (your text is kept)")
            return jsonify({"errors": {"csrf_token": [message]}}), 400
        try:
            return view(*args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            if "slug" in kwargs and not (request.is_json or wants_json()):
                # The note's buttons without the script: back to the editor, saying why.
                flash(_("Nothing was changed: %(reason)s.", reason=_page_reason(error)), "error")
                return redirect(url_for("web.edit_article", slug=kwargs["slug"]))
            # The editor's own answers (not the API's): its script shows them as they are.
            errors = {
                key: [translated(m, _TEMPLATES) for m in messages]
                for key, messages in error.errors.items()
            }
            body: dict[str, Any] = {"errors": errors}
            if isinstance(error, autosave.EditConflict):
                body["conflict"] = error.as_json()
            return jsonify(body), error.status_code

    csrf.exempt(wrapper)
    return wrapper  # type: ignore[return-value]


def _page_reason(error: DomainError) -> str:
    """The error's messages in the reader's language (each English one is a catalog
    entry, marked with N_ where it is raised)."""
    return "; ".join(
        _(
            "%(label)s %(message)s",
            label=key.replace("_", " "),
            message=translated(message, _TEMPLATES),
        )
        for key, messages in error.errors.items()
        for message in messages
    )


@bp.app_errorhandler(autosave.EditConflict)
def _conflict(error: autosave.EditConflict) -> Any:
    """Any face: the usual error answer, and in JSON both texts under ``conflict``."""
    response = handle_domain_error(error)
    if getattr(response, "is_json", False):
        body = response.get_json()  # type: ignore[union-attr]
        body["conflict"] = error.as_json()
        response.set_data(jsonify(body).get_data())  # type: ignore[union-attr]
    return response


def _optional_int(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadRequest({name: [N_("must be a whole number")]})
    try:
        return int(value)
    except ValueError:
        raise BadRequest({name: [N_("must be a whole number")]}) from None


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return value
    raise BadRequest({"tags": [N_("must be text (comma-separated) or a list of text")]})


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest({"body": [N_("must be a JSON object")]})
    return data


def _changes(data: dict[str, Any]) -> ArticleChanges:
    for name in _TEXT_FIELDS:
        if data.get(name) is not None and not isinstance(data[name], str):
            raise BadRequest({name: [N_("must be text")]})
    return {
        "title": data.get("title") or "",
        "description": data.get("description") or "",
        "body": data.get("body") or "",
        "tags": _tags(data.get("tags") or []),
        "cover_image": data.get("cover_image") or None,
    }


def _saved(result: autosave.Autosaved, status: int = 200) -> Any:
    article = result.article
    return (
        jsonify(
            {
                "id": article.id,
                "slug": article.slug,
                "status": article.status,
                "version": result.version,
                "pending_version": result.pending_version,
                "pending": result.pending is not None,
                "created": result.created,
                "saved_at": result.saved_at.isoformat(),
                "edit_url": url_for("web.edit_article", slug=article.slug),
                "autosave_url": url_for("web.autosave_article", slug=article.slug),
                "view_url": url_for("web.article", slug=article.slug),
            }
        ),
        status,
    )


@bp.post("/articles/autosave")
@rate_limit("AUTOSAVE")
@_json_only
def autosave_new_article() -> Any:
    """A new editor's first autosave: creates the draft; answers 201 with its edit URL."""
    data = _payload()
    changes = _changes(data)
    with unit_of_work() as uow:
        result = autosave.autosave(
            uow.session,
            signed_in_user(),
            None,
            changes,
            version=None,
            editing_session=_editing_session(data),
        )
    return _saved(result, 201)


@bp.post("/articles/<slug>/autosave")
@rate_limit("AUTOSAVE")
@_json_only
def autosave_article(slug: str) -> Any:
    data = _payload()
    changes = _changes(data)
    version = _optional_int(data, "version")
    if version is None:
        raise BadRequest({"version": [N_("is required: the version the editor started from")]})
    pending_version = _optional_int(data, "pending_version")
    user = signed_in_user()
    with unit_of_work() as uow:
        article = article_queries.get_article(uow.session, user, slug)
        result = autosave.autosave(
            uow.session,
            user,
            article,
            changes,
            version=version,
            pending_version=pending_version,
            editing_session=_editing_session(data),
        )
    return _saved(result)


def _editing_session(data: dict[str, Any]) -> str | None:
    value = data.get("editing_session")
    if value is not None and not isinstance(value, str):
        raise BadRequest({"editing_session": [N_("must be text")]})
    return value


def _form_or_json() -> dict[str, Any]:
    if request.is_json:
        return _payload()
    return request.form.to_dict()


@bp.post("/articles/<slug>/publish-update")
@rate_limit("WRITE")
@_json_only
def publish_update(slug: str) -> Any:
    """Publish the pending edit: readers see it from now on."""
    pending_version = _optional_int(_form_or_json(), "pending_version")
    user = signed_in_user()
    with unit_of_work() as uow:
        article = article_queries.get_article(uow.session, user, slug)
        autosave.publish_pending(uow.session, user, article, pending_version=pending_version)
    if not (request.is_json or wants_json()):
        flash(_("Your update is published."), "success")
        return redirect(url_for("web.article", slug=article.slug))
    return jsonify({"slug": article.slug, "version": article.version, "pending": False})


@bp.post("/articles/<slug>/discard-pending")
@rate_limit("WRITE")
@_json_only
def discard_pending(slug: str) -> Any:
    """Forget the unpublished changes; the published article stays as readers see it."""
    user = signed_in_user()
    with unit_of_work() as uow:
        article = article_queries.get_article(uow.session, user, slug)
        autosave.discard_pending(uow.session, user, article)
    if not (request.is_json or wants_json()):
        flash(_("Unpublished changes discarded."), "success")
        return redirect(url_for("web.edit_article", slug=article.slug))
    return jsonify({"slug": article.slug, "version": article.version, "pending": False})
