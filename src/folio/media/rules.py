"""Uploads: add one (within the quota), delete one, set an avatar, and the pictures an
article's body and cover draw.

The processing (``processing``) and the storage writes happen around these rules, in
``media.uploads``; the rules see the sanitised result and keep the rows true.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from folio.accounts import events as account_events
from folio.accounts import rules as account_rules
from folio.accounts.models import User
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.core.events import record
from folio.i18n import N_
from folio.media import events as media_events
from folio.media.models import KIND_FOLDERS, Media, MediaKind, article_media
from folio.media.variants import (
    Picture,
    key_of_url,
    keys_in_text,
    parse_key,
    picture,
    planned_variants,
)

if TYPE_CHECKING:
    from folio.articles.queries import CoverView


@dataclass(frozen=True, slots=True)
class MediaView:
    """An upload as its owner's API sees it: an immutable read model."""

    id: int
    kind: str
    format: str
    key: str
    width: int
    height: int
    bytes: int
    filename: str
    created_at: datetime
    ready: bool
    variants: tuple[tuple[str, int, int], ...]  # (storage key, width, height)
    used_by: int = 0

    @classmethod
    def of(cls, media: Media, used_by: int = 0) -> MediaView:
        return cls(
            id=media.id,
            kind=media.kind,
            format=media.format,
            key=media.original_key,
            width=media.width,
            height=media.height,
            bytes=media.bytes,
            filename=media.filename,
            created_at=media.created_at,
            ready=media.ready,
            variants=tuple(
                (media.key(v["name"]), int(v["width"]), int(v["height"])) for v in media.variants
            ),
            used_by=used_by,
        )


class QuotaExceeded(ValidationFailed):
    status_code = 413


@dataclass(frozen=True)
class NewUpload:
    """What ``media.uploads`` made of an upload, ready to be recorded."""

    kind: MediaKind
    content_hash: str
    format: str
    width: int
    height: int
    bytes: int
    frames: int
    filename: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def bytes_used(session: Session, owner_id: int) -> int:
    stmt = select(func.coalesce(func.sum(Media.bytes), 0)).where(Media.owner_id == owner_id)
    return int(session.scalar(stmt) or 0)


def find_own_upload(
    session: Session, owner: User, kind: MediaKind, content_hash: str
) -> Media | None:
    return session.scalar(
        select(Media).where(
            Media.owner_id == owner.id, Media.kind == kind.value, Media.content_hash == content_hash
        )
    )


# Messages with a value in them: pages find the template to translate them (N_ marks).
OVER_QUOTA = N_(
    "This image would take you over your storage quota: %(used)s of %(quota)s used."
    " Delete images you no longer need in My media."
)
USED_BY_MANY = N_("is used by %(count)d articles; delete it anyway?")


def check_quota(session: Session, owner: User, size: int, quota: int | None) -> None:
    """:raises QuotaExceeded: storing ``size`` more bytes would pass the owner's quota."""
    if quota is None:
        return
    used = bytes_used(session, owner.id)
    if used + size > quota:
        message = OVER_QUOTA % {"used": _megabytes(used), "quota": _megabytes(quota)}
        raise QuotaExceeded({"file": [message]}, message)


def add_media(
    session: Session, owner: User, upload: NewUpload, *, widths: Sequence[int], quota: int | None
) -> Media:
    """Record an upload whose original is stored. The same file again gives the same row.

    :raises QuotaExceeded: the owner's uploads would pass ``quota`` bytes.
    """
    existing = find_own_upload(session, owner, upload.kind, upload.content_hash)
    if existing is not None:
        return existing
    check_quota(session, owner, upload.bytes, quota)
    twin = session.scalar(
        select(Media).where(
            Media.kind == upload.kind.value,
            Media.content_hash == upload.content_hash,
            Media.ready.is_(True),
        )
    )
    variants = planned_variants(upload.format, upload.width, upload.height, widths)
    media = Media(
        owner_id=owner.id,
        kind=upload.kind.value,
        content_hash=upload.content_hash,
        format=upload.format,
        width=upload.width,
        height=upload.height,
        bytes=upload.bytes,
        frames=upload.frames,
        filename=upload.filename[:255],
        variants=twin.variants
        if twin is not None
        else [{"name": v.name, "width": v.width, "height": v.height} for v in variants],
        ready=twin is not None,
    )
    session.add(media)
    session.flush()
    record(
        session,
        media_events.MediaUploaded(
            media_id=media.id, owner_id=owner.id, needs_variants=twin is None
        ),
    )
    return media


def mark_variants_stored(session: Session, media_id: int, names: Iterable[str]) -> None:
    """Every upload of this file has its variants now (a task stored them)."""
    media = session.get(Media, media_id)
    if media is None:
        return
    stored = set(names)
    for twin in session.scalars(
        select(Media).where(Media.kind == media.kind, Media.content_hash == media.content_hash)
    ):
        twin.variants = [v for v in media.variants if v["name"] in stored]
        twin.ready = True
    session.flush()


def get_own_media(session: Session, owner: User, media_id: int) -> Media:
    """:raises NotFound: no such upload, or not the owner's (admins neither: it is private)."""
    # Ids past the column's range are nobody's (and would overflow the driver).
    media = session.get(Media, media_id) if 0 < media_id < 2**31 else None
    if media is None or media.owner_id != owner.id:
        raise NotFound("media")
    return media


def articles_using(session: Session, media_ids: Sequence[int]) -> dict[int, list[int]]:
    """Article ids that draw each upload (body or cover)."""
    used: dict[int, list[int]] = {media_id: [] for media_id in media_ids}
    if not media_ids:
        return used
    rows = session.execute(
        select(article_media.c.media_id, article_media.c.article_id).where(
            article_media.c.media_id.in_(media_ids)
        )
    )
    for media_id, article_id in rows:
        used[media_id].append(article_id)
    return used


def delete_media(
    session: Session, actor: User, media: Media, *, even_if_used: bool = False
) -> None:
    """Delete an upload. Articles that drew it lose the picture (covers are unset by the
    database); an avatar made from it goes back to initials.

    :raises Forbidden: not the actor's upload.
    :raises ValidationFailed: it is still used and ``even_if_used`` is not set.
    """
    if media.owner_id != actor.id:
        raise Forbidden("media")
    count = len(articles_using(session, [media.id])[media.id])
    if count and not even_if_used:
        used_by = (
            N_("is used by 1 article; delete it anyway?")
            if count == 1
            else USED_BY_MANY % {"count": count}
        )
        raise ValidationFailed({"media": [used_by]})
    if actor.avatar_key == media.original_key:
        actor.avatar_key = None
        record(session, account_events.ProfileUpdated(user_id=actor.id))
    deleted = media_events.MediaDeleted(
        media_id=media.id,
        owner_id=media.owner_id,
        kind=media.kind,
        content_hash=media.content_hash,
        keys=tuple(media.keys),
    )
    session.delete(media)
    session.flush()
    record(session, deleted)


def close_account(session: Session, actor: User, target: User) -> None:
    """Delete an account for good, and its uploads' stored files with it (the owner, or an
    admin): ``accounts.rules.delete_account`` plus what only this area knows.

    :raises Forbidden: the actor is neither the owner nor an admin.
    """
    if actor.id != target.id and not actor.is_admin:
        raise Forbidden("user")
    for media in list(session.scalars(select(Media).where(Media.owner_id == target.id))):
        delete_media(session, target, media, even_if_used=True)
    account_rules.delete_account(session, actor, target)


def set_avatar(session: Session, actor: User, media: Media | None) -> User:
    """Use an avatar upload as the actor's picture, or none (back to initials)."""
    if media is not None and (media.owner_id != actor.id or media.kind != MediaKind.AVATAR.value):
        raise Forbidden("media")
    key = media.original_key if media is not None else None
    if actor.avatar_key != key:
        actor.avatar_key = key
        session.flush()
        record(session, account_events.ProfileUpdated(user_id=actor.id))
    return actor


def article_titles(session: Session, article_ids: set[int]) -> dict[int, tuple[str, str]]:
    """(title, slug) of these articles, for My media's "used by"."""
    if not article_ids:
        return {}
    from sqlalchemy import column, table

    # The articles area sits above this one: name its table rather than import it.
    articles = table("articles", column("id"), column("title"), column("slug"))
    rows = session.execute(
        select(articles.c.id, articles.c.title, articles.c.slug).where(
            articles.c.id.in_(article_ids)
        )
    )
    return {row.id: (row.title, row.slug) for row in rows}


def find_by_key(session: Session, key: str) -> Media | None:
    """An upload whose objects live under ``key``'s folder (any owner's: they share them)."""
    match = parse_key(key)
    if match is None:
        return None
    kind = next(k for k, folder in KIND_FOLDERS.items() if folder == match["folder"])
    stmt = (
        select(Media)
        .where(Media.kind == kind, Media.content_hash == match["hash"])
        .order_by(Media.ready.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def list_own_media(
    session: Session, owner: User, *, limit: int, offset: int
) -> tuple[list[Media], int]:
    """A page of the owner's uploads, newest first, and how many there are."""
    stmt = (
        select(Media)
        .where(Media.owner_id == owner.id)
        .order_by(Media.created_at.desc(), Media.id.desc())
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(select(func.count(Media.id)).where(Media.owner_id == owner.id))
    return list(session.scalars(stmt)), int(total or 0)


def is_still_stored(session: Session, kind: str, content_hash: str) -> bool:
    """Whether any upload still uses this file's objects."""
    stmt = select(Media.id).where(Media.kind == kind, Media.content_hash == content_hash).limit(1)
    return session.scalar(stmt) is not None


# --- the pictures articles draw -------------------------------------------------------------


def media_in_text(session: Session, text: str) -> dict[str, Media]:
    """The image uploads a body's Folio media URLs name, by storage key."""
    keys = keys_in_text(text)
    hashes = {m["hash"] for key in keys if (m := parse_key(key)) and m["folder"] == "images"}
    if not hashes:
        return {}
    found: dict[str, Media] = {}
    stmt = select(Media).where(Media.kind == MediaKind.IMAGE.value, Media.content_hash.in_(hashes))
    for media in session.scalars(stmt):
        found.setdefault(media.original_key, media)
    return {key: found[key] for key in keys if key in found}


def picture_of(media: Media | CoverView) -> Picture:
    return picture(media.original_key, media.width, media.height, media.variants)


def own_cover(session: Session, actor: User, url: str | None) -> Media | None:
    """The actor's upload an article's ``cover_image`` URL names; None for none.

    :raises ValidationFailed: a URL that is not one of the actor's images.
    """
    if url is None or not url.strip():
        return None
    key = key_of_url(url)
    match = parse_key(key) if key else None
    media = (
        find_own_upload(session, actor, MediaKind.IMAGE, match["hash"])
        if match and match["folder"] == "images"
        else None
    )
    if media is None:
        raise ValidationFailed({"cover_image": [N_("is not one of your uploaded images")]})
    return media


def record_usage(
    session: Session, article_id: int, media_ids: Iterable[int], *, new_article: bool = False
) -> None:
    """Which uploads this article draws now (replacing what it drew before, unless it is
    ``new_article``: just created, it drew nothing)."""
    if not new_article:
        session.execute(delete(article_media).where(article_media.c.article_id == article_id))
    rows = [{"article_id": article_id, "media_id": media_id} for media_id in sorted(set(media_ids))]
    if rows:
        session.execute(insert(article_media), rows)
