"""Reading articles: single articles for a viewer, lists, tags.

The listing statements differ per database (tag names aggregated with ``json_group_array``
on SQLite, ``json_agg`` on PostgreSQL; full-text ranks from ``search``); each list shape
is built once and run with bound values. Totals, deep-page positions and search rankings
may be kept for a few seconds (``core.totals``); every domain event that changes public
data forgets them.
"""

from __future__ import annotations

import functools
import json
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute, Session, defer, joinedload, selectinload

from folio.articles import reading, search
from folio.articles.permissions import can_view, can_view_row
from folio.core import totals
from folio.core.errors import NotFound
from folio.media.models import Media
from folio.models import (
    Article,
    Favorite,
    Follow,
    Status,
    Tag,
    User,
    article_tags,
    username_key,
)
from folio.social import rules as social

_TAG_SPACE_RE = re.compile(r"\s+")
# From this offset on, where a page starts is remembered like a total (see list_articles).
DEEP_OFFSET = 1000


@dataclass(frozen=True)
class ArticleFilter:
    """What a list shows. Lists show published articles unless ``mine`` is set."""

    tag: str | None = None
    author: str | None = None
    favorited_by: str | None = None
    query: str | None = None
    # Only the viewer's own articles, drafts included; ``status`` narrows them further.
    mine: bool = False
    status: Status | None = None
    # The articles of the authors the viewer follows.
    feed: bool = False


@dataclass(frozen=True)
class ArticleListing:
    """An article as a list or a page shows it to one viewer."""

    article: Article
    favorited: bool = False
    following: bool = False


@dataclass(frozen=True, slots=True)
class CoverView:
    """An article's cover: the original's storage key and size (the faces make URLs)."""

    key: str
    width: int
    height: int
    # The sizes made of it ({"name", "width", "height"} each), as ``Media.variants``.
    variants: tuple[dict[str, Any], ...] = ()

    @property
    def original_key(self) -> str:  # what pictures read of a ``Media``
        return self.key

    @classmethod
    def of(cls, media: Media) -> CoverView:
        return cls(media.original_key, media.width, media.height, tuple(media.variants or ()))


@dataclass(frozen=True, slots=True)
class ArticleView:
    """An article as the APIs show it to one viewer: an immutable read model, built from
    a listing while its rows are loaded, safe to serialise after the commit."""

    slug: str
    title: str
    description: str
    tags: tuple[str, ...]
    status: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    favorited: bool
    favorites_count: int
    version: int
    author: social.ProfileView
    body: str | None = None
    body_html: str | None = None
    cover: CoverView | None = None
    publish_at: datetime | None = None
    word_count: int = 0
    send_email: bool = True
    language: str | None = None
    id: int = 0

    @property
    def reading_minutes(self) -> int:
        return reading.reading_minutes(self.word_count)

    # What the pages' article cards read, so a list page draws read models too.
    @property
    def article(self) -> ArticleView:
        return self

    @property
    def tag_names(self) -> list[str]:
        return list(self.tags)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED.value

    @classmethod
    def of(cls, listing: ArticleListing, *, with_body: bool = True) -> ArticleView:
        article = listing.article
        return cls(
            slug=article.slug,
            title=article.title,
            description=article.description,
            tags=tuple(article.tag_names),
            status=article.status,
            created_at=article.created_at,
            updated_at=article.updated_at,
            published_at=article.published_at,
            favorited=listing.favorited,
            favorites_count=article.favorites_count,
            version=article.version,
            author=social.ProfileView.of(article.author, listing.following),
            body=article.body if with_body else None,
            body_html=article.body_html if with_body else None,
            cover=CoverView.of(article.cover) if article.cover else None,
            word_count=article.word_count,
            publish_at=article.publish_at,
            send_email=article.send_email,
            language=article.language,
            id=article.id,
        )


ItemT = TypeVar("ItemT", ArticleListing, ArticleView)
# Where a list continues after an item: its sort time and id (a keyset position).
Position = tuple[datetime | None, int]


@dataclass(frozen=True)
class ArticlePage(Generic[ItemT]):
    items: list[ItemT]
    total: int
    offset: int
    limit: int
    # Keyset position after the last item: pass it back as ``after`` for the next page.
    next_cursor: tuple[datetime, int] | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Ranked:
    """A search's matches, best first: the first ids (all, or ``search.KEPT_RESULTS``
    when kept) and how many there are."""

    ids: array[int]
    total: int


# --- reading ------------------------------------------------------------------------------


def normalise_tag(name: str) -> str:
    """Tags are trimmed, lower-cased, with inner runs of space folded to one hyphen."""
    return _TAG_SPACE_RE.sub("-", name.strip().lower())


def normalise_tags(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        tag = normalise_tag(name)
        if tag:
            seen.setdefault(tag, None)
    return sorted(seen)


def _loaded(stmt: Select[Article]) -> Select[Article]:
    return stmt.options(
        joinedload(Article.author), joinedload(Article.cover), selectinload(Article.tags)
    )


def get_article(
    session: Session, viewer: User | None, slug: str, *, related: bool = True
) -> Article:
    """The article with this slug, with its author and tags loaded (unless not
    ``related``: a write that needs the row only, such as a comment on it).

    :raises NotFound: no such article, or a draft the viewer may not see.
    """
    article = session.scalar(_article_by_slug(related), {"slug": slug})
    if article is None or not can_view(viewer, article):
        raise NotFound("article")
    return article


@functools.cache
def _article_by_slug(related: bool) -> Select[Article]:
    # Built once: building the statement and its cache key cost more than running it
    # (every write on an article looks it up first).
    stmt = select(Article).where(Article.slug == bindparam("slug", type_=String))
    return _loaded(stmt) if related else stmt


def find_article(session: Session, slug: str) -> Article:
    """The article with this slug whoever may see it: for commands and tasks, which
    then act as a user through the rules.

    :raises NotFound: no such article.
    """
    article = session.scalar(_loaded(select(Article).where(Article.slug == slug)))
    if article is None:
        raise NotFound("article")
    return article


def get_listing(session: Session, viewer: User | None, slug: str) -> ArticleListing:
    """An article with the viewer's favorited and following flags."""
    return listing_of(session, viewer, get_article(session, viewer, slug))


def get_article_view(session: Session, viewer: User | None, slug: str) -> ArticleView:
    """:func:`get_listing` as the APIs show it: an ``ArticleView`` with its body and the
    viewer's flags, from one statement of plain columns (a list's, by slug), without
    loading an ``Article``, its author, cover and tags as ORM entities and asking for
    each flag apart (which cost what a whole list of 20 does).

    :raises NotFound: no such article, or a draft the viewer may not see.
    """
    shape = _ListShape(
        dialect=session.get_bind().dialect.name,
        viewer=viewer is not None,
        with_body=True,
        views=True,
    )
    params: dict[str, object] = {"slug": slug, "viewer_id": viewer.id if viewer else None}
    rows = _page_rows(session, shape, _article_statement(shape), params)
    # get_article's draft rule, on the row's status and author (``_view_columns`` order).
    if not rows or not can_view_row(viewer, rows[0][4], rows[0][-1]):
        raise NotFound("article")
    return _views(rows, shape)[0]


def listing_of(
    session: Session, viewer: User | None, article: Article, *, favorited: bool | None = None
) -> ArticleListing:
    """``article`` with the viewer's favorited and following flags (after a write, too:
    ``favorited`` when the write just settled it)."""
    return ArticleListing(
        article,
        favorited=is_favorited(session, viewer, article) if favorited is None else favorited,
        following=social.is_following(session, viewer, article.author_id),
    )


def viewer_flags(
    session: Session, viewer: User, slugs: Iterable[str], usernames: Iterable[str]
) -> tuple[set[str], set[str]]:
    """Which of these articles ``viewer`` favorited and which of these authors they
    follow, in one statement on the primary keys of favorites and follows.

    :returns: the favorited slugs and the followed usernames.
    """
    params = {"viewer_id": viewer.id, "slugs": list(slugs), "usernames": list(usernames)}
    found: dict[str, set[str]] = {"favorite": set(), "follow": set()}
    for kind, name in session.execute(_viewer_flags_statement(), params):
        found[kind].add(name)
    return found["favorite"], found["follow"]


@functools.cache
def _viewer_flags_statement() -> Any:
    # Built once: constructing the union and its cache key cost more than running it.
    viewer_id = bindparam("viewer_id", type_=Integer)
    favorited = (
        select(literal("favorite").label("kind"), Article.slug.label("name"))
        .join(Favorite, Favorite.article_id == Article.id)
        .where(Favorite.user_id == viewer_id)
        .where(Article.slug.in_(bindparam("slugs", expanding=True)))
    )
    followed = (
        select(literal("follow").label("kind"), User.username.label("name"))
        .join(Follow, Follow.followee_id == User.id)
        .where(Follow.follower_id == viewer_id)
        .where(User.username.in_(bindparam("usernames", expanding=True)))
    )
    return union_all(favorited, followed)


def is_favorited(session: Session, viewer: User | None, article: Article) -> bool:
    if viewer is None:
        return False
    params = {"user_id": viewer.id, "article_id": article.id}
    return session.scalar(_favorite_statement(), params) is not None


@functools.cache
def _favorite_statement() -> Select[int]:
    return select(Favorite.user_id).where(
        Favorite.user_id == bindparam("user_id", type_=Integer),
        Favorite.article_id == bindparam("article_id", type_=Integer),
    )


@dataclass(frozen=True)
class _ListShape:
    """What decides a list statement's form; the values go in as bound parameters."""

    dialect: str
    viewer: bool
    mine: bool = False
    status: bool = False
    feed: bool = False
    tag: bool = False
    author: bool = False
    favorited_by: bool = False
    after: bool = False
    with_body: bool = False
    # Rows as columns, made into ArticleView read models, not Article entities.
    views: bool = False


def list_articles(
    session: Session,
    viewer: User | None,
    filters: ArticleFilter | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    after: tuple[datetime, int] | None = None,
    with_total: bool = True,
    with_body: bool = False,
) -> ArticlePage[ArticleListing]:
    """A page of articles with authors, tags and the viewer's flags, newest first.

    Issues the same number of queries whatever the page size: one for the rows (authors
    joined; tag names and flags as subqueries) and, when it is not kept, one for the
    total.

    Lists show no body: ``body`` and ``body_html`` are loaded only ``with_body`` (they
    were 40% of a page's time on long articles, bench/README.md), and touching them
    otherwise raises instead of loading each one with a query of its own.

    ``after`` is a keyset cursor (``next_cursor`` of the previous page): deep pages cost
    what the first one does. Search results are ranked, best first, and take ``offset``.
    """
    return _list_page(
        session, viewer, filters, limit, offset, after, with_total=with_total, with_body=with_body
    )


def list_article_views(
    session: Session,
    viewer: User | None,
    filters: ArticleFilter | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
    after: tuple[datetime, int] | None = None,
    with_total: bool = True,
) -> ArticlePage[ArticleView]:
    """:func:`list_articles` as the APIs' lists and the pages' cards show it:
    ``ArticleView`` read models (no body) built from the row's columns, the same
    statements and count, without loading and tracking an ``Article``, its author and
    its cover as ORM entities (that was half of a list's time, bench/README.md).
    """
    return _list_page(
        session, viewer, filters, limit, offset, after, with_total=with_total, views=True
    )


def _list_page(
    session: Session,
    viewer: User | None,
    filters: ArticleFilter | None,
    limit: int,
    offset: int,
    after: tuple[datetime, int] | None,
    *,
    with_total: bool = True,
    with_body: bool = False,
    views: bool = False,
) -> ArticlePage[Any]:
    filters = filters or ArticleFilter()
    viewer_id = viewer.id if viewer is not None else None
    if (filters.mine or filters.feed) and viewer_id is None:
        return ArticlePage([], 0, offset, limit)
    database = _database_key(session)
    shape, params = _shape_and_params(session, viewer_id, filters, limit, offset, after, with_body)
    shape = replace(shape, views=views)
    if filters.query is not None:
        page = _search_page(session, shape, params, filters, viewer_id, offset, limit)
        return page if with_total else replace(page, total=0)
    position_key = None
    lead = 0
    if offset >= DEEP_OFFSET and not shape.after and not filters.mine:
        position_key = ("position", database, filters, viewer_id)
        shape, lead = _start_at_kept_position(shape, params, position_key, offset, limit)
    stmt, count_stmt = _memoised_statements(shape)
    rows = _page_rows(session, shape, stmt, params)
    positions: list[Position] = [(row.sort_time, row.position_id) for row in rows]
    if position_key is not None:
        _keep_positions(rows, positions, position_key, offset, limit, lead)
    items = _items(rows, shape)
    total = 0
    if with_total:
        # A writer's own list is always counted; other totals may lag (core/totals.py).
        key = None if filters.mine else (database, filters, viewer_id)
        total = _total(session, count_stmt, params, key)
    next_cursor = _next_cursor(positions, limit, filters)
    return ArticlePage(items, total, offset, limit, next_cursor)


def _shape_and_params(
    session: Session,
    viewer_id: int | None,
    filters: ArticleFilter,
    limit: int,
    offset: int,
    after: tuple[datetime, int] | None,
    with_body: bool,
) -> tuple[_ListShape, dict[str, object]]:
    shape = _ListShape(
        dialect=session.get_bind().dialect.name,
        viewer=viewer_id is not None,
        mine=filters.mine,
        status=filters.mine and filters.status is not None,
        feed=filters.feed,
        tag=bool(filters.tag),
        author=bool(filters.author),
        favorited_by=bool(filters.favorited_by),
        after=after is not None and filters.query is None,
        with_body=with_body,
    )
    params: dict[str, object] = {"viewer_id": viewer_id, "limit": limit, "offset": offset}
    if shape.status and filters.status is not None:
        params["status"] = filters.status.value
    if filters.tag:
        params["tag"] = normalise_tag(filters.tag)
    if filters.author:
        params["author"] = username_key(filters.author)
    if filters.favorited_by:
        params["favorited_by"] = username_key(filters.favorited_by)
    if shape.after and after is not None:
        params["after_time"], params["after_id"] = after
    return shape, params


def _start_at_kept_position(
    shape: _ListShape,
    params: dict[str, object],
    position_key: tuple[Any, ...],
    offset: int,
    limit: int,
) -> tuple[_ListShape, int]:
    """A deep OFFSET walks every entry before it (40,000 for RealWorld's page 2,000). Where
    such a page starts is kept like a total and the page is then read from that position,
    as a keyset cursor reads it; a write forgets positions. Returns the shape to use and
    how many rows before the page are read to learn the position (0 or 1)."""
    start = totals.TOTALS.get((*position_key, offset))
    if start is not None:
        params["after_time"], params["after_id"] = start
        return replace(shape, after=True), 0
    # One row more, the one before the page: the position of this offset.
    params["offset"], params["limit"] = offset - 1, limit + 1
    return shape, 1


def _search_page(
    session: Session,
    shape: _ListShape,
    params: dict[str, object],
    filters: ArticleFilter,
    viewer_id: int | None,
    offset: int,
    limit: int,
) -> ArticlePage[Any]:
    """A page of search results, best first: the ranked ids (one statement, kept like a
    total; see ``search``), then only the page's rows, by id."""
    terms = search.search_terms(filters.query or "")
    if not terms:
        return ArticlePage([], 0, offset, limit)
    # Kept per search words, not per spelling; a writer's own drafts are never kept.
    normalised = replace(filters, query=" ".join(terms))
    key = None
    if not filters.mine:
        key = ("search", _database_key(session), normalised, viewer_id if filters.feed else None)
    ranked = _ranked(session, shape, params, normalised, key, needed=offset + limit)
    page_ids = list(ranked.ids[offset : offset + limit])
    if not page_ids:
        return ArticlePage([], ranked.total, offset, limit)
    rows = _page_rows(session, shape, _rows_by_id_statement(shape), {**params, "ids": page_ids})
    position = {article_id: index for index, article_id in enumerate(page_ids)}
    rows.sort(key=lambda row: position[row.position_id])
    return ArticlePage(_items(rows, shape), ranked.total, offset, limit)


def _ranked(
    session: Session,
    shape: _ListShape,
    params: dict[str, object],
    filters: ArticleFilter,
    key: tuple[Any, ...] | None,
    needed: int,
) -> _Ranked:
    """The ranked ids of a search, kept if ``key``; ranked again when a page lies past
    the kept ones."""
    kept = totals.TOTALS.get(key) if key is not None else None
    if isinstance(kept, _Ranked) and len(kept.ids) >= min(needed, kept.total):
        return kept
    matched = search.matching_article_ids(session, filters.query or "")
    if matched is None:
        return _Ranked(array("q"), 0)
    # Only the ids a page needs come back (at least the kept ones), with the total.
    wanted = {**params, "ranked_limit": max(needed, search.KEPT_RESULTS)}
    rows = session.execute(_ranked_ids_statement(shape, matched), wanted).all()
    ranked = _Ranked(array("q", (row.id for row in rows)), rows[0].total if rows else 0)
    if key is not None:
        totals.TOTALS.put(key, _Ranked(ranked.ids[: search.KEPT_RESULTS], ranked.total))
    return ranked


def _page_rows(
    session: Session, shape: _ListShape, stmt: Select[Any], params: dict[str, object]
) -> list[Any]:
    """A page's rows. Plain columns (``views``) are run on the session's connection: the
    ORM's execution of a select (its compile state, its row loading) adds nothing to
    columns and was a tenth of a list's CPU. Pending changes are flushed first, as the
    ORM's autoflush would; entities go through the ORM."""
    if not shape.views:
        return list(session.execute(stmt, params))
    if session.autoflush:
        session.flush()
    return list(session.connection().execute(stmt, params))


def _items(rows: list[Any], shape: _ListShape) -> list[Any]:
    return _views(rows, shape) if shape.views else _listings(rows, shape)


def _listings(rows: list[Any], shape: _ListShape) -> list[ArticleListing]:
    items = []
    for row in rows:
        article = row.Article
        article.set_listed_tag_names(_tag_names(row.tag_names))
        items.append(
            ArticleListing(
                article,
                favorited=bool(row.favorited) if shape.viewer else False,
                following=bool(row.following) if shape.viewer else False,
            )
        )
    return items


def _views(rows: list[Any], shape: _ListShape) -> list[ArticleView]:
    """Read models straight from the columns (the fields ``ArticleView.of`` copies; the
    body too ``with_body``).

    Rows are unpacked by position (``_view_columns`` order): reading 30 columns by
    name from 20 rows cost as much as building the models.
    """
    views = []
    for row, tags in zip(rows, _tag_lists([row[27] for row in rows]), strict=True):
        (_id, slug, title, description, status, created_at, updated_at, published_at) = row[:8]
        (favorites_count, version, word_count, publish_at, send_email, language) = row[8:14]
        (username, display_name, bio, image_url, avatar_key) = row[14:19]
        (cover_kind, cover_hash, cover_format, cover_width, cover_height) = row[19:24]
        cover_variants = row[24]
        favorited, following = (bool(row[28]), bool(row[29])) if shape.viewer else (False, False)
        body, body_html = row[-3:-1] if shape.with_body else (None, None)
        cover = None
        if cover_hash is not None:
            key = Media.original_key_of(cover_kind, cover_hash, cover_format)
            cover = CoverView(key, cover_width, cover_height, tuple(cover_variants or ()))
        author = social.ProfileView(username, display_name, bio, image_url, following, avatar_key)
        views.append(
            ArticleView(
                slug=slug,
                title=title,
                description=description,
                tags=tuple(tags),
                status=status,
                created_at=created_at,
                updated_at=updated_at,
                published_at=published_at,
                favorited=favorited,
                favorites_count=favorites_count,
                version=version,
                author=author,
                body=body,
                body_html=body_html,
                cover=cover,
                word_count=word_count,
                publish_at=publish_at,
                send_email=send_email,
                language=language,
                id=_id,
            )
        )
    return views


def _keep_positions(
    rows: list[Any],
    positions: list[Position],
    position_key: tuple[Any, ...],
    offset: int,
    limit: int,
    lead: int,
) -> None:
    """Remember where this page and the next start; drop the lead row read to learn it."""
    if lead and rows:
        rows.pop(0)
        totals.TOTALS.put((*position_key, offset), positions.pop(0))
    if len(rows) == limit:
        totals.TOTALS.put((*position_key, offset + limit), positions[-1])


def _total(
    session: Session,
    count_stmt: Select[Any],
    params: dict[str, object],
    key: tuple[Any, ...] | None,
) -> int:
    cached = totals.TOTALS.get(key) if key is not None else None
    if cached is not None:
        return int(cached)
    total = session.scalar(count_stmt, params) or 0
    if key is not None:
        totals.TOTALS.put(key, total)
    return int(total)


def _next_cursor(
    positions: list[Position], limit: int, filters: ArticleFilter
) -> tuple[datetime, int] | None:
    if not positions or len(positions) != limit or filters.query is not None:
        return None
    last_time, last_id = positions[-1]
    return (last_time, last_id) if last_time is not None else None


def _database_key(session: Session) -> str:
    """Which database kept figures (totals, positions, tags) belong to."""
    return str(session.get_bind().engine.url)


def _tag_names(value: str | bytes | list[str] | None) -> list[str]:
    if isinstance(value, str | bytes):
        # SQLite's json_group_array: text, in no set order. Sorted by code point, as
        # SQLite's BINARY collation sorts the full collection (Article.tags).
        return sorted(json.loads(value))
    # PostgreSQL's json_agg: a list already in order, or NULL for no tags.
    return list(value or [])


def _tag_lists(values: list[Any]) -> list[list[str]]:
    """:func:`_tag_names` of a page's rows; SQLite's JSON texts parsed as one document
    (one ``json.loads`` instead of one per row)."""
    if values and all(isinstance(value, str) for value in values):
        return [sorted(names) for names in json.loads(f"[{','.join(values)}]")]
    return [_tag_names(value) for value in values]


def _conditions(shape: _ListShape) -> list[Any]:
    viewer_id = bindparam("viewer_id", type_=Integer)
    conditions: list[Any] = []
    if shape.mine:
        conditions.append(Article.author_id == viewer_id)
        if shape.status:
            conditions.append(Article.status == bindparam("status", type_=String))
    else:
        conditions.append(Article.status == Status.PUBLISHED.value)
    if shape.feed:
        conditions.append(
            Article.author_id.in_(select(Follow.followee_id).where(Follow.follower_id == viewer_id))
        )
    if shape.tag:
        # EXISTS, not IN: the newest-first index is walked and each entry probed, instead
        # of reading and sorting every article of a popular tag (85 ms -> 0.1 ms on
        # SQLite for a tag on 10% of 100,000 articles; PostgreSQL plans both alike).
        tag_id = select(Tag.id).where(Tag.name == bindparam("tag", type_=String))
        conditions.append(
            exists().where(
                article_tags.c.article_id == Article.id,
                article_tags.c.tag_id == tag_id.scalar_subquery(),
            )
        )
    if shape.author:
        conditions.append(Article.author_id == _user_id_named("author").scalar_subquery())
    if shape.favorited_by:
        conditions.append(
            Article.id.in_(
                select(Favorite.article_id).where(
                    Favorite.user_id == _user_id_named("favorited_by").scalar_subquery()
                )
            )
        )
    return conditions


def _user_id_named(param: str) -> Select[int]:
    return select(User.id).where(User.username_key == bindparam(param, type_=String))


def _sort_time(shape: _ListShape) -> InstrumentedAttribute[datetime | None]:
    # Writers see their own list in editing order; everyone else in publishing order.
    return Article.updated_at if shape.mine else Article.published_at


def _tag_names_column(dialect: str) -> Any:
    """The article's tag names as one JSON array (``[]`` or NULL for none), sorted on
    PostgreSQL by its collation; SQLite's are sorted by ``_tag_names``."""
    if dialect == "postgresql":
        aggregate: Any = func.json_agg(aggregate_order_by(Tag.name, Tag.name))
    else:
        aggregate = func.json_group_array(Tag.name)
    return (
        select(aggregate)
        .select_from(article_tags)
        .join(Tag, Tag.id == article_tags.c.tag_id)
        .where(article_tags.c.article_id == Article.id)
        .scalar_subquery()
    )


def _page_statement(shape: _ListShape) -> Select[Any]:
    conditions = _conditions(shape)
    sort_time = _sort_time(shape)
    id_col = Article.id
    # The page is picked first, as ids in a subquery: ORDER BY, OFFSET and the filters then
    # run on narrow index entries, not on whole article rows joined to their authors (a
    # deep OFFSET or a feed over 200 authors sorted every full row). Only the page's rows
    # are then loaded, with their authors, tag names and the viewer's flags. Still one
    # statement.
    picked = select(Article.id.label("id")).where(*conditions)
    if shape.after:
        after_time = bindparam("after_time", type_=sort_time.type)
        after_id = bindparam("after_id", type_=Integer)
        picked = picked.where(
            # The plain bound lets the index range start at the cursor on every backend.
            sort_time <= after_time,
            or_(sort_time < after_time, and_(sort_time == after_time, id_col < after_id)),
        )
    picked = picked.order_by(sort_time.desc(), id_col.desc())
    picked = picked.limit(bindparam("limit", type_=Integer))
    if not shape.after:
        picked = picked.offset(bindparam("offset", type_=Integer))
    page_ids = picked.subquery("page")
    stmt = _rows_statement(shape).join(page_ids, page_ids.c.id == Article.id)
    return stmt.order_by(sort_time.desc(), id_col.desc())


def _rows_statement(shape: _ListShape) -> Select[Any]:
    """Whole article rows as lists show them: authors, covers, tag names, the viewer's
    flags; no body unless ``with_body``."""
    columns: list[Any] = [
        *(_view_columns() if shape.views else [Article]),
        _sort_time(shape).label("sort_time"),
        Article.id.label("position_id"),
        _tag_names_column(shape.dialect).label("tag_names"),
    ]
    if shape.viewer:
        viewer_id = bindparam("viewer_id", type_=Integer)
        favorited = exists().where(Favorite.article_id == Article.id, Favorite.user_id == viewer_id)
        following = exists().where(
            Follow.follower_id == viewer_id, Follow.followee_id == Article.author_id
        )
        columns += [favorited.label("favorited"), following.label("following")]
    if shape.views and shape.with_body:
        # Last, so a list's positions stay (``_views``); the author for the draft rule.
        columns += [Article.body, Article.body_html, Article.author_id]
    stmt = select(*columns)
    if shape.views:
        stmt = stmt.join(User, User.id == Article.author_id)
        return stmt.outerjoin(Media, Media.id == Article.cover_id)
    stmt = stmt.options(joinedload(Article.author), joinedload(Article.cover))
    if not shape.with_body:
        stmt = stmt.options(
            defer(Article.body, raiseload=True), defer(Article.body_html, raiseload=True)
        )
    return stmt


@functools.lru_cache(maxsize=64)
def _rows_by_id_statement(shape: _ListShape) -> Select[Any]:
    """The rows of a page of search results, by id (bound as ``ids``). The list's filters
    are checked again: kept ids may be a few seconds old (an article since unpublished
    elsewhere is left out, not shown)."""
    ids = bindparam("ids", type_=Integer, expanding=True)
    return _rows_statement(shape).where(Article.id.in_(ids), *_conditions(shape))


def _ranked_ids_statement(shape: _ListShape, matched: tuple[Any, Any]) -> Select[Any]:
    """The first ``ranked_limit`` ids of the ranked matches that pass the list's filters,
    best first (then newest), each with how many there are: the full-text subquery and
    index entries, no whole article row."""
    rank_subquery, rank = matched
    columns: list[Any] = [Article.id, func.count().over().label("total")]
    return (
        select(*columns)
        .join(rank_subquery, rank_subquery.c.article_id == Article.id)
        .where(*_conditions(shape))
        .order_by(rank, _sort_time(shape).desc(), Article.id.desc())
        .limit(bindparam("ranked_limit", type_=Integer))
    )


def _view_columns() -> list[Any]:
    """What an ``ArticleView`` without a body is made of, as plain columns; ``_views``
    reads them by position (then ``sort_time``, ``position_id``, ``tag_names`` and the
    viewer's flags follow, see ``_page_statement``)."""
    return [
        Article.id,
        Article.slug,
        Article.title,
        Article.description,
        Article.status,
        Article.created_at,
        Article.updated_at,
        Article.published_at,
        Article.favorites_count,
        Article.version,
        Article.word_count,
        Article.publish_at,
        Article.send_email,
        Article.language,
        User.username,
        User.display_name,
        User.bio,
        User.image_url,
        User.avatar_key,
        Media.kind.label("cover_kind"),
        Media.content_hash.label("cover_hash"),
        Media.format.label("cover_format"),
        Media.width.label("cover_width"),
        Media.height.label("cover_height"),
        Media.variants.label("cover_variants"),
    ]


@functools.lru_cache(maxsize=8)
def _article_statement(shape: _ListShape) -> Select[Any]:
    """One article's row by slug (bound as ``slug``), whatever its status: the caller
    applies the draft rule. Built once per shape, like ``_memoised_statements``."""
    return _rows_statement(shape).where(Article.slug == bindparam("slug", type_=String))


def _count_statement(shape: _ListShape) -> Select[Any]:
    return select(func.count()).select_from(Article).where(*_conditions(shape))


@functools.lru_cache(maxsize=256)
def _memoised_statements(shape: _ListShape) -> tuple[Select[Any], Select[Any]]:
    """The page and count statements of one list shape, built once per process.

    Building them (the selects, subqueries, options and their cache keys) was a third
    of a list's time; reused, SQLAlchemy's compiled cache is hit with nothing rebuilt.
    """
    return _page_statement(shape), _count_statement(shape)


def _published_ids() -> Select[int]:
    return select(Article.id).where(Article.status == Status.PUBLISHED.value)


def popular_tags(session: Session, limit: int = 50, offset: int = 0) -> list[str]:
    """Tags of published articles, most used first (then by name).

    Kept like a list total (services/totals.py): counting every tag use is a scan of all
    articles' tags. The published ids come from the status index, so no article row is
    read (4.4 s -> 0.27 s on SQLite for 100,000 articles with 260,000 tag uses).
    """
    key = ("popular_tags", _database_key(session), limit, offset)
    cached = totals.TOTALS.get(key)
    if cached is not None:
        return list(cached)
    uses = func.count(article_tags.c.article_id)
    stmt = (
        select(Tag.name)
        .join(article_tags, article_tags.c.tag_id == Tag.id)
        .where(article_tags.c.article_id.in_(_published_ids()))
        .group_by(Tag.id, Tag.name)
        .order_by(uses.desc(), Tag.name)
        .limit(limit)
        .offset(offset)
    )
    names = list(session.scalars(stmt))
    totals.TOTALS.put(key, tuple(names))
    return names


def count_tags(session: Session) -> int:
    """How many tags published articles use (the length of ``popular_tags`` unlimited)."""
    key = ("count_tags", _database_key(session))
    cached = totals.TOTALS.get(key)
    if cached is not None:
        return int(cached)
    stmt = select(func.count(func.distinct(article_tags.c.tag_id))).where(
        article_tags.c.article_id.in_(_published_ids())
    )
    count = int(session.scalar(stmt) or 0)
    totals.TOTALS.put(key, count)
    return count
