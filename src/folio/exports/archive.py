"""Writing an export archive (the format in README.md, "Export"): entry by entry.

Memory stays flat however large the site: rows are read in keyset batches of
:data:`BATCH`, each entry is written to the zip as soon as it is made (the zip itself
goes to a file, never to memory), images are copied from the storage in chunks, and the
JSON documents (``comments.json``, ``site.json``) are written one item at a time. Only
the zip's central directory (a few hundred bytes per entry) grows with the archive.

No Flask here: the caller passes the session, the storage and the site's address.
"""

from __future__ import annotations

import io
import json
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, TypeAlias

import yaml
from sqlalchemy import Select, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from folio.accounts.models import User
from folio.articles.models import Article, Favorite, Status, Tag, article_tags
from folio.comments.models import Comment
from folio.media.models import EXTENSIONS, Media, MediaKind, article_media
from folio.media.storage import Storage
from folio.social.models import Follow

log = logging.getLogger(__name__)

FORMAT = "folio-export"
VERSION = 1
# Rows per query: large enough to keep the query count low, small enough that a batch
# of long articles stays a few megabytes.
BATCH = 100
# Entry names: what a file system anywhere accepts. A slug outside this is renamed
# (with its id after a "~", which no slug has, so two renamed slugs never collide).
_UNSAFE_NAME = re.compile(r"[^\w.-]+")
NAME_MAX = 120
# A Folio image URL in a body: relative, or absolute on any host (as the article rules
# treat them), any size of the picture.
_IMAGE_URL = re.compile(
    r"(?:https?://[^\s()<>\"'\[\]]*?)?/media/images/(?P<hash>[0-9a-f]{64})/"
    r"(?:original|[0-9]{1,5})\.(?:jpg|png|webp|gif)"
)
_HASH = re.compile(r"[0-9a-f]{64}")
# A SELECT of any columns (the type checker's spelling of "any row shape").
Rows: TypeAlias = Select[*tuple[Any, ...]]


@dataclass(frozen=True)
class Scope:
    """What one archive holds: one writer's work (``user_id``) or the whole site."""

    kind: str
    user_id: int | None = None
    username: str | None = None

    @property
    def is_site(self) -> bool:
        return self.kind == "site"


def write_archive(
    session: Session, storage: Storage, target: IO[bytes], scope: Scope, source: str
) -> None:
    """Write the archive of ``scope`` to the binary file ``target`` (seekable)."""
    now = datetime.now(UTC)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "kind": scope.kind,
            "exported_at": now.isoformat(),
            "source": source,
            "user": None if scope.is_site else scope.username,
        }
        archive.writestr(_info("folio.json", now), json.dumps(manifest, indent=2) + "\n")
        for batch in _batches(session, _articles(scope), [Article.id]):
            _write_article_files(archive, session, batch, now)
        _write_media(archive, session, storage, scope, now)
        with _json_entry(archive, "comments.json", now) as out:
            _write_list(out, _comments(session, scope))
        if scope.is_site:
            _write_site(archive, session, now)


# --- articles ------------------------------------------------------------------------


def _articles(scope: Scope) -> Rows:
    statement = (
        select(
            Article.id,
            Article.slug,
            Article.title,
            Article.description,
            Article.body,
            Article.status,
            Article.created_at,
            Article.published_at,
            Article.updated_at,
            User.username.label("author"),
            Media.content_hash.label("cover_hash"),
            Media.format.label("cover_format"),
        )
        .join(User, User.id == Article.author_id)
        .outerjoin(Media, Media.id == Article.cover_id)
    )
    if not scope.is_site:
        statement = statement.where(Article.author_id == scope.user_id)
    return statement


def _write_article_files(
    archive: zipfile.ZipFile, session: Session, rows: Sequence[Any], now: datetime
) -> None:
    tags = _tags_of(session, [row.id for row in rows])
    formats = _image_formats(session, {h for row in rows for h in _hashes_in(row.body)})
    for row in rows:
        meta = _article_meta(row, tags.get(row.id, []))
        body = rewrite_image_links(row.body, formats)
        text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n"
        archive.writestr(_info(f"articles/{entry_stem(row.slug, row.id)}.md", now), text + body)


def _article_meta(row: Any, tags: list[str]) -> dict[str, Any]:
    return {
        "title": row.title,
        "slug": row.slug,
        "description": row.description,
        "tags": tags,
        "status": row.status,
        "draft": row.status != Status.PUBLISHED.value,
        "date": _iso(row.published_at or row.created_at),
        "created_at": _iso(row.created_at),
        "published_at": _iso(row.published_at),
        "updated_at": _iso(row.updated_at),
        "cover": _media_entry(row.cover_hash, row.cover_format),
        "author": row.author,
    }


def _tags_of(session: Session, article_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(article_tags.c.article_id, Tag.name)
        .join(Tag, Tag.id == article_tags.c.tag_id)
        .where(article_tags.c.article_id.in_(article_ids))
        .order_by(Tag.name)
    )
    names: dict[int, list[str]] = {}
    for article_id, name in rows:
        names.setdefault(article_id, []).append(name)
    return names


def _hashes_in(body: str) -> set[str]:
    return {match["hash"] for match in _IMAGE_URL.finditer(body)}


def _image_formats(session: Session, hashes: set[str]) -> dict[str, str]:
    """Which of these hashes are Folio uploads, and their originals' formats."""
    if not hashes:
        return {}
    rows = session.execute(
        select(Media.content_hash, func.min(Media.format))
        .where(Media.kind == MediaKind.IMAGE.value, Media.content_hash.in_(hashes))
        .group_by(Media.content_hash)
    )
    return {content_hash: fmt for content_hash, fmt in rows}


def rewrite_image_links(body: str, formats: dict[str, str]) -> str:
    """Point the body's Folio images at their files in the archive (``../media/<file>``,
    relative to the article's file, so a Markdown viewer shows them)."""

    def local(match: re.Match[str]) -> str:
        fmt = formats.get(match["hash"])
        return f"../{_media_entry(match['hash'], fmt)}" if fmt else match.group(0)

    return _IMAGE_URL.sub(local, body)


def entry_stem(slug: str, article_id: int) -> str:
    """A file name for the article that stays inside ``articles/`` whatever its slug."""
    cleaned = _UNSAFE_NAME.sub("-", unicodedata.normalize("NFC", slug)).strip(".-")
    cleaned = cleaned[:NAME_MAX].strip(".-")
    if cleaned and cleaned == slug:
        return slug
    return f"{cleaned or 'article'}~{article_id}"


# --- media -----------------------------------------------------------------------------


def _media_entry(content_hash: str | None, fmt: str | None) -> str | None:
    if not content_hash or not fmt or not _HASH.fullmatch(content_hash) or fmt not in EXTENSIONS:
        return None
    return f"media/{content_hash}.{EXTENSIONS[fmt]}"


def _used_images(scope: Scope) -> Rows:
    in_bodies = select(article_media.c.media_id).join(
        Article, Article.id == article_media.c.article_id
    )
    covers = select(Article.cover_id).where(Article.cover_id.is_not(None))
    if not scope.is_site:
        in_bodies = in_bodies.where(Article.author_id == scope.user_id)
        covers = covers.where(Article.author_id == scope.user_id)
    return (
        select(Media.content_hash, func.min(Media.format).label("format"))
        .where(
            Media.kind == MediaKind.IMAGE.value,
            or_(Media.id.in_(in_bodies), Media.id.in_(covers)),
        )
        .group_by(Media.content_hash)
    )


def _write_media(
    archive: zipfile.ZipFile, session: Session, storage: Storage, scope: Scope, now: datetime
) -> None:
    for batch in _batches(session, _used_images(scope), [Media.content_hash]):
        for content_hash, fmt in batch:
            name = _media_entry(content_hash, fmt)
            chunks = storage.chunks(f"images/{content_hash}/original.{EXTENSIONS[fmt]}")
            if name is None or chunks is None:
                log.warning("export: the original of image %s is missing", content_hash)
                continue
            # Pictures are compressed already: stored as they are.
            info = _info(name, now, zipfile.ZIP_STORED)
            with archive.open(info, "w") as out:
                for chunk in chunks:
                    out.write(chunk)


# --- comments and the site document -------------------------------------------------


def _comments(session: Session, scope: Scope) -> Iterator[dict[str, Any]]:
    writer = aliased(User)
    statement = (
        select(Comment.id, Article.slug, writer.username, Comment.body, Comment.created_at)
        .join(Article, Article.id == Comment.article_id)
        .join(writer, writer.id == Comment.author_id)
    )
    if not scope.is_site:
        statement = statement.where(
            or_(Article.author_id == scope.user_id, Comment.author_id == scope.user_id)
        )
    for batch in _batches(session, statement, [Comment.id]):
        for row in batch:
            yield {
                "id": row.id,
                "article": row.slug,
                "author": row.username,
                "body": row.body,
                "created_at": _iso(row.created_at),
            }


def _write_site(archive: zipfile.ZipFile, session: Session, now: datetime) -> None:
    sections = {
        "users": _users(session),
        "articles": _site_articles(session),
        "tags": _tags(session),
        "comments": _comments(session, Scope("site")),
        "follows": _follows(session),
        "favorites": _favorites(session),
    }
    with _json_entry(archive, "site.json", now) as out:
        out.write("{")
        for index, (key, items) in enumerate(sections.items()):
            out.write(f"{',' if index else ''}\n{json.dumps(key)}: ")
            _write_list(out, items)
        out.write("\n}\n")


def _users(session: Session) -> Iterator[dict[str, Any]]:
    # Listed column by column: no password hash, no session version, nothing secret.
    statement = select(
        User.id,
        User.username,
        User.email,
        User.display_name,
        User.bio,
        User.image_url,
        User.role,
        User.is_active,
        User.created_at,
        User.updated_at,
    )
    for batch in _batches(session, statement, [User.id]):
        for row in batch:
            user = dict(row._mapping)
            user["created_at"] = _iso(row.created_at)
            user["updated_at"] = _iso(row.updated_at)
            yield user


def _site_articles(session: Session) -> Iterator[dict[str, Any]]:
    for batch in _batches(session, _articles(Scope("site")), [Article.id]):
        tags = _tags_of(session, [row.id for row in batch])
        for row in batch:
            yield {"id": row.id, **_article_meta(row, tags.get(row.id, [])), "body": row.body}


def _tags(session: Session) -> Iterator[str]:
    for batch in _batches(session, select(Tag.id, Tag.name), [Tag.id]):
        yield from (row.name for row in batch)


def _follows(session: Session) -> Iterator[dict[str, Any]]:
    follower, followee = aliased(User), aliased(User)
    statement = (
        select(
            Follow.follower_id,
            Follow.followee_id,
            follower.username.label("follower"),
            followee.username.label("followee"),
            Follow.created_at,
        )
        .join(follower, follower.id == Follow.follower_id)
        .join(followee, followee.id == Follow.followee_id)
    )
    for batch in _batches(session, statement, [Follow.follower_id, Follow.followee_id]):
        for row in batch:
            yield {
                "follower": row.follower,
                "followee": row.followee,
                "created_at": _iso(row.created_at),
            }


def _favorites(session: Session) -> Iterator[dict[str, Any]]:
    statement = (
        select(
            Favorite.user_id,
            Favorite.article_id,
            User.username,
            Article.slug,
            Favorite.created_at,
        )
        .join(User, User.id == Favorite.user_id)
        .join(Article, Article.id == Favorite.article_id)
    )
    for batch in _batches(session, statement, [Favorite.user_id, Favorite.article_id]):
        for row in batch:
            yield {"user": row.username, "article": row.slug, "created_at": _iso(row.created_at)}


# --- plumbing ------------------------------------------------------------------------


def _batches(session: Session, statement: Rows, keys: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """The statement's rows, :data:`BATCH` at a time, in key order (keyset pagination:
    every batch costs the same, however deep)."""
    last: tuple[Any, ...] | None = None
    while True:
        page = statement.order_by(*keys).limit(BATCH)
        if last is not None:
            if len(keys) == 1:
                page = page.where(keys[0] > last[0])
            else:
                page = page.where(tuple_(*keys) > tuple_(*last))
        rows = session.execute(page).all()
        if not rows:
            return
        yield rows
        last = tuple(rows[-1]._mapping[key] for key in keys)
        if len(rows) < BATCH:
            return


def _info(name: str, now: datetime, compression: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=now.timetuple()[:6])
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    return info


@contextmanager
def _json_entry(archive: zipfile.ZipFile, name: str, now: datetime) -> Iterator[IO[str]]:
    """A text stream into a new zip entry (zip64: a site document may pass 4 GB)."""
    with (
        archive.open(_info(name, now), "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as text,
    ):
        yield text


def _write_list(out: IO[str], items: Iterable[Any]) -> None:
    out.write("[")
    first = True
    for item in items:
        out.write(("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False))
        first = False
    out.write("\n]" if not first else "]")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
