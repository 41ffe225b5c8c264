"""Receiving an upload, for every face: process it, store it, record it, as one unit.

The pages (the editor, settings, My media) and /api/v1 call :func:`receive`; it refuses
bad files before anything is stored, and removes what it stored when the unit of work
fails afterwards, so a refused or failed upload leaves nothing behind.

:func:`init_media` binds the configured storage to the app and subscribes the tasks that
make variants and remove objects.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request

from folio.accounts.models import User
from folio.core.errors import ValidationFailed
from folio.core.events import subscribe
from folio.core.uow import current_session, unit_of_work
from folio.errors import DependencyUnavailable
from folio.i18n import N_
from folio.media import rules
from folio.media.events import MediaDeleted, MediaUploaded
from folio.media.models import KIND_FOLDERS, Media, MediaKind
from folio.media.processing import ImageLimits, ImageRejected, megabytes, process_upload
from folio.media.storage import Storage, StorageError, storage_from_config
from folio.media.variants import media_path

log = logging.getLogger(__name__)
_EXTENSION = "folio.media"
_UNSAFE_NAME = re.compile(r"[^\w .()-]+")


@dataclass(frozen=True)
class MediaSetup:
    storage: Storage
    limits: ImageLimits
    quota: int | None


def setup() -> MediaSetup:
    media_setup: MediaSetup = current_app.extensions[_EXTENSION]
    return media_setup


def storage() -> Storage:
    return setup().storage


def image_widths(kind: MediaKind) -> tuple[int, ...]:
    limits = setup().limits
    return limits.avatar_widths if kind is MediaKind.AVATAR else limits.widths


def allow_upload_size() -> None:
    """Let this request carry files up to ``MEDIA_MAX_BYTES`` (the app's limit is lower):
    the editor's form may hold a cover and a picture besides a long text. Run by the input
    guard before anything parses the body (``guards.body_limits``)."""
    config = current_app.config
    request.max_content_length = config["MAX_CONTENT_LENGTH"] + 2 * config["MEDIA_MAX_BYTES"]
    request.max_form_memory_size = config["EDITOR_MAX_FORM_MEMORY_SIZE"]


# A message with a value in it: pages find the template to translate it (N_ mark).
TOO_LARGE = N_("is too large: the limit is %(limit)s")


def upload_too_large() -> dict[str, list[str]]:
    """The 413 of an upload route whose request passed even the larger limit."""
    limit = megabytes(setup().limits.max_bytes)
    return {"file": [TOO_LARGE % {"limit": limit}]}


def public_url(key: str | None) -> str | None:
    """The absolute address of a stored image, on the site's public address (the same
    from every instance and in every API answer)."""
    if not key:
        return None
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + media_path(key)


def display_name(filename: str | None) -> str:
    """The client's file name, for My media only (never a path, never trusted)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE_NAME.sub("", name).strip()[:120] or "image"


def receive(actor: User, data: bytes, filename: str | None, kind: MediaKind) -> Media:
    """Process, store and record one upload; the same file again gives the same upload.

    :raises ValidationFailed: on ``file``: not an image Folio accepts, too large
        (``QuotaExceeded``/413 past the quota or the size limit), unreadable.
    :raises DependencyUnavailable: the storage cannot be reached.
    """
    media_setup = setup()
    content_hash = hashlib.sha256(data).hexdigest()
    session = current_session()
    existing = rules.find_own_upload(session, actor, kind, content_hash)
    if existing is not None:
        return existing
    try:
        original = process_upload(data, media_setup.limits, square=kind is MediaKind.AVATAR)
    except ImageRejected as refused:
        error = ValidationFailed({"file": [refused.message]}, refused.message)
        error.status_code = refused.status
        raise error from None
    upload = rules.NewUpload(
        kind=kind,
        content_hash=content_hash,
        format=original.format,
        width=original.width,
        height=original.height,
        bytes=len(original.data),
        frames=original.frames,
        filename=display_name(filename),
    )
    rules.check_quota(session, actor, upload.bytes, media_setup.quota)
    key = f"{KIND_FOLDERS[kind.value]}/{content_hash}/original.{original.ext}"
    _store(media_setup.storage, key, original.data, original.mime)
    try:
        with unit_of_work() as uow:
            media = rules.add_media(
                uow.session, actor, upload, widths=image_widths(kind), quota=media_setup.quota
            )
    except BaseException:
        _forget_unless_used(kind, content_hash, [key])
        raise
    # The variants may have been made since (eagerly, on the embedded default).
    session.refresh(media)
    return media


def _store(target: Storage, key: str, data: bytes, content_type: str) -> None:
    """Put the original, even when another upload of the same file stored it: that
    upload's deletion may be removing it right now (the put is idempotent)."""
    try:
        target.put(key, data, content_type)
    except StorageError as error:
        raise DependencyUnavailable("the image storage") from error


def _forget_unless_used(kind: MediaKind | str, content_hash: str, keys: list[str]) -> None:
    kind_value = kind.value if isinstance(kind, MediaKind) else kind
    if rules.is_still_stored(current_session(), kind_value, content_hash):
        return
    try:
        storage().delete(keys)
    except StorageError:
        log.warning("could not remove %s from the image storage", keys)


def make_variants_now(media_id: int) -> list[str]:
    """Store the variants of an upload (the task's body); the names stored."""
    from folio.media.processing import Encoded, make_variants, variant_name

    session = current_session()
    media = session.get(Media, media_id)
    if media is None or media.ready:
        return []
    target = storage()
    data = target.get(media.original_key)
    if data is None:
        log.warning("the original of upload %s is missing from storage", media_id)
        return []
    original = Encoded(data, media.format, media.width, media.height, media.frames)
    planned = {variant["name"] for variant in media.variants}
    stored = []
    for variant in make_variants(original, image_widths(MediaKind(media.kind))):
        name = variant_name(variant)
        if name in planned:
            target.put(media.key(name), variant.data, variant.mime)
            stored.append(name)
    with unit_of_work() as uow:
        rules.mark_variants_stored(uow.session, media_id, stored)
    return stored


def forget_objects(kind: str, content_hash: str, keys: list[str]) -> None:
    """Remove a deleted upload's objects unless another upload of the file keeps them."""
    _forget_unless_used(kind, content_hash, keys)


def _on_uploaded(event: MediaUploaded) -> None:
    from folio.tasks import run_task

    if event.needs_variants:
        run_task("make_media_variants", event.media_id)


def _on_deleted(event: MediaDeleted) -> None:
    from folio.tasks import run_task

    run_task("delete_media_objects", event.kind, event.content_hash, list(event.keys))


def init_media(app: Flask) -> None:
    config: dict[str, Any] = app.config
    app.extensions[_EXTENSION] = MediaSetup(
        storage=storage_from_config(config, app.instance_path),
        limits=ImageLimits.from_config(config),
        quota=config.get("MEDIA_QUOTA_BYTES"),
    )
    subscribe(_on_uploaded, MediaUploaded)  # type: ignore[arg-type]
    subscribe(_on_deleted, MediaDeleted)  # type: ignore[arg-type]
