"""Ghost's JSON export (Settings → Labs → Export), versions 4 to 6.

``{"db": [{"meta": {"version": "5.x"}, "data": {"posts", "tags", "posts_tags", "users",
"posts_authors"}}]}``. Posts and pages both become articles; each body comes from
``html``, else ``lexical``, else ``mobiledoc``. Ghost exports carry no image files:
images are fetched from their absolute URLs (``__GHOST_URL__`` ones cannot be).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from folio.imports.ghost_content import lexical_to_html, mobiledoc_to_html
from folio.imports.html import html_to_markdown
from folio.imports.items import (
    ImportRefused,
    SourceArchive,
    SourceArticle,
    SourceAuthor,
    as_text,
    parse_date,
)
from folio.imports.report import GHOST_STATUS_AS_DRAFT

SUPPORTED_MAJOR_VERSIONS = (4, 5, 6)


def looks_like_ghost(data: object) -> bool:
    db = data.get("db") if isinstance(data, dict) else None
    return isinstance(db, list) and bool(db) and isinstance(db[0], dict) and "meta" in db[0]


def _check_version(meta: object) -> None:
    version = as_text(meta.get("version") if isinstance(meta, dict) else None)
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) not in SUPPORTED_MAJOR_VERSIONS:
        raise ImportRefused(
            f"This Ghost export is version {version or 'unknown'}: Folio imports Ghost "
            "4.x, 5.x and 6.x exports. Export again from a supported Ghost."
        )


def _rows(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    rows = data.get(table)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _body(post: dict[str, Any]) -> tuple[str, list[str]]:
    if as_text(post.get("html")):
        return as_text(post.get("html")), []
    if as_text(post.get("lexical")):
        return lexical_to_html(as_text(post.get("lexical")))
    if as_text(post.get("mobiledoc")):
        return mobiledoc_to_html(as_text(post.get("mobiledoc")))
    return "", []


def _links(data: dict[str, Any], table: str, child: str) -> dict[str, list[str]]:
    """post id -> tag (or author) ids, in Ghost's sort order."""
    linked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in _rows(data, table):
        raw_order = row.get("sort_order")
        order = raw_order if isinstance(raw_order, int) else 0
        linked[as_text(row.get("post_id"))].append((order, as_text(row.get(child))))
    return {post: [ident for _, ident in sorted(pairs)] for post, pairs in linked.items()}


def _article(post: dict[str, Any], tags: list[str], author_key: str | None) -> SourceArticle | None:
    key = as_text(post.get("id"))
    if not key:
        return None
    html, warnings = _body(post)
    slug = as_text(post.get("slug"))
    status = as_text(post.get("status"))
    if status not in ("published", "draft"):
        warnings.append(GHOST_STATUS_AS_DRAFT % {"status": repr(status)})
    return SourceArticle(
        key=key,
        title=as_text(post.get("title")),
        slug=slug,
        body=html_to_markdown(html),
        description=as_text(post.get("custom_excerpt")) or as_text(post.get("meta_description")),
        tags=tags,
        published=status == "published",
        created_at=parse_date(post.get("created_at")),
        published_at=parse_date(post.get("published_at")),
        updated_at=parse_date(post.get("updated_at")),
        author_key=author_key,
        cover=as_text(post.get("feature_image")) or None,
        legacy_paths=[f"/{slug}/"] if slug else [],
        warnings=warnings,
    )


def read_ghost(data: dict[str, Any]) -> SourceArchive:
    """:raises ImportRefused: not a Ghost 4-6 export."""
    first = data["db"][0]
    _check_version(first.get("meta"))
    content = first.get("data")
    if not isinstance(content, dict):
        raise ImportRefused("This Ghost export has no data.")
    archive = SourceArchive(format="ghost", source="ghost")
    for user in _rows(content, "users"):
        key = as_text(user.get("id"))
        archive.authors[key] = SourceAuthor(
            key=key,
            email=as_text(user.get("email")) or None,
            username=as_text(user.get("slug")) or None,
            name=as_text(user.get("name")) or None,
        )
    tag_names = {as_text(t.get("id")): as_text(t.get("name")) for t in _rows(content, "tags")}
    post_tags = _links(content, "posts_tags", "tag_id")
    post_authors = _links(content, "posts_authors", "author_id")
    for post in _rows(content, "posts"):
        post_id = as_text(post.get("id"))
        tags = [tag_names[t] for t in post_tags.get(post_id, []) if tag_names.get(t)]
        # Ghost tags starting with "#" are internal (not shown on the site).
        tags = [tag for tag in tags if not tag.startswith("#")]
        authors = post_authors.get(post_id) or [as_text(post.get("author_id"))]
        article = _article(post, tags, authors[0] or None)
        if article is not None:
            archive.articles.append(article)
    return archive
