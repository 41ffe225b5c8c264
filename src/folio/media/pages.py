"""Images on the pages: serving the files, uploading from the editor, My media, avatars."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup, escape
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from folio.core.errors import DomainError
from folio.core.uow import current_session, unit_of_work
from folio.extensions import csrf
from folio.guards import body_limits
from folio.i18n import N_
from folio.i18n.messages import translated
from folio.media import rules as media_rules
from folio.media.models import Media, MediaKind
from folio.media.rules import OVER_QUOTA, USED_BY_MANY
from folio.media.storage import StorageError
from folio.media.uploads import (
    TOO_LARGE,
    allow_upload_size,
    public_url,
    receive,
    setup,
    storage,
    upload_too_large,
)
from folio.media.variants import (
    CARD_SIZES,
    FORMATS_BY_EXTENSION,
    HERO_SIZES,
    MIME_TYPES,
    avatar_path,
    media_path,
    parse_key,
    picture_html,
)
from folio.security import rate_limit
from folio.web import bp
from folio.web.filters import avatar_tone, initials
from folio.web.helpers import no_store, signed_in_user

F = TypeVar("F", bound=Callable[..., Any])
IMMUTABLE = "public, max-age=31536000, immutable"
PER_PAGE = 24


def takes_upload(view: F) -> F:
    """Let this view receive files up to ``MEDIA_MAX_BYTES`` (the app's limit is lower).

    The CSRF check reads the form, so it runs here, after the larger limit is set.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        return view(*args, **kwargs)

    csrf.exempt(wrapper)
    return body_limits(allow_upload_size, upload_too_large)(wrapper)  # type: ignore[return-value]


def uploaded_file(name: str = "file") -> FileStorage | None:
    file = request.files.get(name)
    # A file field left empty still sends a part, with no file name.
    return file if file is not None and file.filename else None


def receive_file(file: FileStorage, kind: MediaKind) -> Media:
    """Read the whole file (the request limit bounds it) and receive it."""
    data = file.read(setup().limits.max_bytes + 1)
    return receive(signed_in_user(), data, file.filename, kind)


def media_json(media: Media, used_by: int = 0) -> dict[str, Any]:
    """What the editor's script needs: the URL to insert and the picture's size."""
    return {
        "id": media.id,
        "url": public_url(media.original_key),
        "path": media_path(media.original_key),
        "width": media.width,
        "height": media.height,
        "bytes": media.bytes,
        "used_by": used_by,
    }


# --- serving ------------------------------------------------------------------------------


@bp.get("/media/<path:key>")
def media_file(key: str) -> Response:
    """An image file. Keys are content hashes, so a stored file never changes: it is
    sent (or redirected to the object store) with a year-long immutable cache."""
    match = parse_key(key)
    if match is None:
        abort(404)
    target = storage()
    path = target.local_path(key)
    if path is not None and path.is_file():
        response = send_file(
            path, mimetype=MIME_TYPES[FORMATS_BY_EXTENSION[match["ext"]]], conditional=True
        )
        response.headers["Cache-Control"] = IMMUTABLE
        return response
    media = media_rules.find_by_key(current_session(), key)
    if media is None:
        abort(404)
    name = match["name"]
    planned = {variant["name"] for variant in media.variants}
    if name != media.original_name and (name not in planned or not media.ready):
        # A size not made yet (a task is on it) or never made (smaller than asked):
        # the original stands in, for now or for good.
        fallback = redirect(url_for("web.media_file", key=media.original_key))
        fallback.headers["Cache-Control"] = "no-cache" if name in planned else IMMUTABLE
        return fallback
    return _from_object_store(key)


def _from_object_store(key: str) -> Response:
    target = storage()
    public = target.public_url(key)
    try:
        location = public or target.signed_url(key, current_app.config["S3_PRESIGN_SECONDS"])
    except StorageError:
        abort(503)
    if location is None:  # the local storage, and the file is not there
        abort(404)
    response = redirect(location)
    seconds = int(current_app.config["S3_PRESIGN_SECONDS"]) // 2
    response.headers["Cache-Control"] = IMMUTABLE if public else f"private, max-age={seconds}"
    return response


# --- uploading and My media ---------------------------------------------------------------


_MEDIA_TEMPLATES = (OVER_QUOTA, USED_BY_MANY, TOO_LARGE)


def _translated(messages: list[str]) -> list[str]:
    """Domain messages in the reader's language: these answers are the pages' and the
    editor's, not the API's."""
    return [translated(message, _MEDIA_TEMPLATES) for message in messages]


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/me/media")
@rate_limit("UPLOAD")
@login_required
@takes_upload
def upload_media():
    """The editor's uploads (JSON for its script) and My media's upload form."""
    file = uploaded_file()
    try:
        if file is None:
            raise DomainError({"file": [N_("choose an image to upload")]})
        media = receive_file(file, MediaKind.IMAGE)
    except DomainError as error:
        if _wants_json():
            errors = {key: _translated(messages) for key, messages in error.errors.items()}
            return jsonify(errors=errors), error.status_code
        for message in _translated(error.errors.get("file", [error.message])):
            flash(message, "error")
        return redirect(url_for("web.my_media"))
    if _wants_json():
        return jsonify(media=media_json(media)), 201
    flash(_("Image uploaded."), "success")
    return redirect(url_for("web.my_media"))


@bp.get("/me/media")
@login_required
@no_store
def my_media():
    user = signed_in_user()
    session = current_session()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    uploads, total = media_rules.list_own_media(
        session, user, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    usage = media_rules.articles_using(session, [m.id for m in uploads])
    titles = media_rules.article_titles(session, {i for ids in usage.values() for i in ids})
    return render_template(
        "web/my_media.html",
        uploads=uploads,
        usage={mid: [titles[a] for a in ids if a in titles] for mid, ids in usage.items()},
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        used=media_rules.bytes_used(session, user.id),
        quota=setup().quota,
    )


@bp.post("/me/media/<int:media_id>/delete")
@login_required
def delete_media(media_id: int):
    user = signed_in_user()
    try:
        with unit_of_work() as uow:
            media = media_rules.get_own_media(uow.session, user, media_id)
            media_rules.delete_media(
                uow.session, user, media, even_if_used=request.form.get("confirm") == "yes"
            )
    except DomainError as error:
        messages = _translated(error.errors.get("media", [error.message]))
        flash(" ".join(_("This image %(problem)s", problem=m) for m in messages), "error")
        return redirect(url_for("web.my_media", confirm=media_id))
    flash(_("Image deleted."), "success")
    return redirect(url_for("web.my_media"))


# --- avatars -------------------------------------------------------------------------------


@bp.post("/settings/avatar")
@rate_limit("UPLOAD")
@login_required
@takes_upload
def upload_avatar():
    file = uploaded_file("avatar")
    try:
        if request.form.get("remove") == "yes":
            with unit_of_work() as uow:
                media_rules.set_avatar(uow.session, signed_in_user(), None)
            flash(_("Your picture is removed; your initials show instead."), "success")
            return redirect(url_for("web.settings"))
        if file is None:
            raise DomainError({"file": [N_("choose a picture to upload")]})
        avatar = receive_file(file, MediaKind.AVATAR)
        with unit_of_work() as uow:
            media_rules.set_avatar(uow.session, signed_in_user(), avatar)
    except DomainError as error:
        for message in _translated(error.errors.get("file", [error.message])):
            flash(message, "error")
        return redirect(url_for("web.settings"))
    flash(_("Your new picture is saved."), "success")
    return redirect(url_for("web.settings"))


# --- what templates draw -------------------------------------------------------------------

# Drawn sizes of the avatar macro's sizes, in CSS pixels (folio.css .avatar--*).
AVATAR_PIXELS = {"sm": 28, "md": 40, "lg": 56, "xl": 96}


@bp.app_template_global("media_url")
def media_url(key: str, external: bool = False) -> str:
    return url_for("web.media_file", key=key, _external=external)


@bp.app_template_global("cover_picture")
def cover_picture(article: Any, hero: bool = False, lazy: bool = True) -> Markup:
    """An article's cover as a responsive picture: the header's or a card's."""
    cover = article.cover
    if cover is None:
        return Markup("")
    sizes = HERO_SIZES if hero else CARD_SIZES
    html = picture_html(media_rules.picture_of(cover), "", sizes, lazy=lazy)
    return Markup(html)  # noqa: S704 - built from escaped parts by picture_html


@bp.app_template_global("avatar")
def avatar(user: Any, size: str = "md") -> Markup:
    """An uploaded picture, else initials. An image_url on another site is not drawn (the
    CSP loads images from Folio and its storage only); the APIs still hand it out."""
    if getattr(user, "avatar_key", None):
        return avatar_image(user, size)
    return Markup(  # noqa: S704 - every value is escaped
        f'<span class="avatar avatar--{escape(size)} avatar--tone{avatar_tone(user)}" '
        f'aria-hidden="true">{escape(initials(user))}</span>'
    )


@bp.app_template_global("avatar_image")
def avatar_image(user: Any, size: str = "md") -> Markup:
    """An uploaded avatar at the size drawn, sharp on high-density screens; empty when
    the user has none (the macro draws initials then)."""
    key = getattr(user, "avatar_key", None)
    if not key:
        return Markup("")
    pixels = AVATAR_PIXELS.get(size, 36)
    widths = setup().limits.avatar_widths
    one, two = avatar_path(key, pixels, widths), avatar_path(key, pixels * 2, widths)
    return Markup(  # noqa: S704 - every value is escaped
        f'<img class="avatar avatar--{escape(size)}" src="{escape(one)}" '
        f'srcset="{escape(one)} 1x, {escape(two)} 2x" width="{pixels}" height="{pixels}" '
        f'alt="" loading="lazy" decoding="async">'
    )
