"""A zip of Markdown files with front matter: Jekyll, Hugo, or Folio's own export.

- Jekyll: ``_posts/YYYY-MM-DD-slug.md`` (date and slug from the name when the front
  matter has none); ``_drafts/`` are drafts.
- Hugo: ``content/**/name.md`` and page bundles ``slug/index.md``; ``draft: true``;
  YAML (``---``) or TOML (``+++``) front matter. ``_index.md`` list pages are skipped.
- Folio (``folio.json`` at the root): ``articles/<slug>.md``, ``media/``,
  ``comments.json``, and for a site export ``site.json`` (the authors' emails).

Image paths are resolved inside the zip (:func:`items.archive_paths`).
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from typing import Any

import yaml

from folio.imports.items import (
    ImportRefused,
    SourceArchive,
    SourceArticle,
    SourceAuthor,
    SourceComment,
    as_list,
    as_text,
    parse_date,
)
from folio.imports.safezip import SafeZip

MARKDOWN_SUFFIXES = (".md", ".markdown")
_FRONT_MATTER = re.compile(r"\A(---|\+\+\+)[ \t]*\r?\n(.*?)\r?\n\1[ \t]*(?:\r?\n|\Z)", re.S)
_JEKYLL_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.+)\.(?:md|markdown)\Z")
_HEADING = re.compile(r"^#\s+(.+)$", re.M)


def markdown_names(names: list[str]) -> list[str]:
    return [n for n in names if n.lower().endswith(MARKDOWN_SUFFIXES)]


def _common_folder(names: list[str]) -> str:
    """The one folder every entry is in (a zip of a folder), or ''."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop() + "/"
    return ""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(front matter, body). :raises ValueError: front matter that is not a mapping."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    raw = match.group(2)
    try:
        data = tomllib.loads(raw) if match.group(1) == "+++" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"its front matter cannot be read: {error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("its front matter is not a set of keys")
    return data, text[match.end() :]


def _cover(front: dict[str, Any]) -> str | None:
    for key in ("cover", "image", "feature_image", "featured_image"):
        value = front.get(key)
        if isinstance(value, dict):  # Hugo themes: cover: {image: ...}
            value = value.get("image") or value.get("src")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _slug_and_date(path: str, front: dict[str, Any]) -> tuple[str, Any]:
    name = posixpath.basename(path)
    jekyll = _JEKYLL_NAME.match(name)
    if jekyll is not None:
        return as_text(front.get("slug")) or jekyll.group(2), front.get("date") or jekyll.group(1)
    if name.lower() in ("index.md", "index.markdown"):  # a Hugo page bundle
        name = posixpath.basename(posixpath.dirname(path)) or "index"
    else:
        name = name.rsplit(".", 1)[0]
    return as_text(front.get("slug")) or name, front.get("date")


def _is_draft(path: str, front: dict[str, Any]) -> bool:
    if "/_drafts/" in f"/{path}" or front.get("draft") is True or front.get("published") is False:
        return True
    return as_text(front.get("status")).lower() in ("draft", "private")


def _article(path: str, text: str, key: str) -> SourceArticle:
    try:
        front, body = split_front_matter(text)
    except ValueError as error:
        return SourceArticle(key=key, title="", slug="", body="", error=str(error))
    slug, date = _slug_and_date(path, front)
    heading = _HEADING.search(body)
    draft = _is_draft(path, front)
    published_at = parse_date(front.get("published_at")) or parse_date(date)
    return SourceArticle(
        key=key,
        title=as_text(front.get("title")) or (heading.group(1).strip() if heading else slug),
        slug=slug,
        body=body.lstrip("\n"),
        description=as_text(
            front.get("description") or front.get("summary") or front.get("excerpt")
        ),
        tags=list(dict.fromkeys(as_list(front.get("tags")) + as_list(front.get("categories")))),
        published=not draft,
        created_at=parse_date(front.get("created_at")) or parse_date(date),
        published_at=None if draft else published_at,
        updated_at=parse_date(
            front.get("updated_at") or front.get("lastmod") or front.get("updated")
        ),
        author_key=as_text(front.get("author")) or None,
        cover=_cover(front),
        base_path=posixpath.dirname(path),
    )


def _read_json(zipped: SafeZip, name: str) -> Any:
    raw = zipped.read(name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ImportRefused(f"{name} in this archive is not valid JSON.") from None


def _folio_extras(zipped: SafeZip, prefix: str, archive: SourceArchive) -> None:
    """Authors' emails (site.json) and comments (comments.json) of a Folio export."""
    site = _read_json(zipped, f"{prefix}site.json")
    users = site.get("users") if isinstance(site, dict) else None
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict) and as_text(user.get("username")):
            name = as_text(user.get("username"))
            archive.authors[name] = SourceAuthor(
                key=name, email=as_text(user.get("email")) or None, username=name
            )
    comments = _read_json(zipped, f"{prefix}comments.json")
    for comment in comments if isinstance(comments, list) else []:
        if not isinstance(comment, dict):
            continue
        archive.comments.append(
            SourceComment(
                key=as_text(comment.get("id")),
                article_key=as_text(comment.get("article")),
                body=as_text(comment.get("body")),
                created_at=parse_date(comment.get("created_at")),
                author_username=as_text(comment.get("author")) or None,
                author_name=as_text(comment.get("author")) or None,
                author_email=_email_of(archive, as_text(comment.get("author"))),
            )
        )


def _email_of(archive: SourceArchive, username: str) -> str | None:
    author = archive.authors.get(username)
    return author.email if author is not None else None


def read_markdown_zip(zipped: SafeZip) -> SourceArchive:
    names = zipped.names
    prefix = _common_folder(names)
    manifest = _read_json(zipped, f"{prefix}folio.json")
    folio = isinstance(manifest, dict) and manifest.get("format") == "folio-export"
    source = f"folio:{as_text(manifest.get('source'))}" if folio else "markdown"
    archive = SourceArchive(format="markdown", source=source)
    archive.read_file = lambda path: zipped.read(prefix + path)
    for name in markdown_names(names):
        path = name[len(prefix) :]
        if posixpath.basename(path).startswith("_index.") or path.lower() in ("readme.md",):
            continue
        if folio and not path.startswith("articles/"):
            continue
        raw = zipped.read(name) or b""
        article = _article(path, raw.decode("utf-8", "replace"), key=path)
        if folio:
            article.key = article.slug
        archive.articles.append(article)
    if folio:
        _folio_extras(zipped, prefix, archive)
    return archive
