"""Reading articles: single articles for a viewer, lists, tags.

The listing statements differ per database (tag names aggregated with ``json_group_array``
on SQLite, ``json_agg`` on PostgreSQL; full-text ranks from ``search``); each list shape
is built once and run with bound values. Totals and deep-page positions may be kept for
a few seconds (``core.totals``); every domain event that changes public data forgets them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute, Session, defer, joinedload, selectinload
from sqlalchemy.sql import operators

from folio.articles import reading, search
from folio.articles.permissions import can_view
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

    @classmethod
    def of(cls, media: Media) -> CoverView:
        return cls(media.original_key, media.width, media.height)


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

    @property
    def reading_minutes(self) -> int:
        return reading.reading_minutes(self.word_count)

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
        )


@dataclass(frozen=True)
class ArticlePage:
    items: list[ArticleListing]
    total: int
    offset: int
    limit: int
    # Keyset position after the last item: pass it back as ``after`` for the next page.
    next_cursor: tuple[datetime, int] | None = None
    extra: dict[str, object] = field(default_factory=dict)


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
    stmt = select(Article).where(Article.slug == slug)
    article = session.scalar(_loaded(stmt) if related else stmt)
    if article is None or not can_view(viewer, article):
        raise NotFound("article")
    return article


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


def is_favorited(session: Session, viewer: User | None, article: Article) -> bool:
    if viewer is None:
        return False
    stmt = select(Favorite.user_id).where(
        Favorite.user_id == viewer.id, Favorite.article_id == article.id
    )
    return session.scalar(stmt) is not None


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
) -> ArticlePage:
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
    filters = filters or ArticleFilter()
    viewer_id = viewer.id if viewer is not None else None
    if (filters.mine or filters.feed) and viewer_id is None:
        return ArticlePage([], 0, offset, limit)
    database = _database_key(session)
    shape, params = _shape_and_params(session, viewer_id, filters, limit, offset, after, with_body)
    position_key = None
    lead = 0
    if offset >= DEEP_OFFSET and not shape.after and not filters.mine and filters.query is None:
        position_key = ("position", database, filters, viewer_id)
        shape, lead = _start_at_kept_position(shape, params, position_key, offset, limit)
    statements = _statements(session, shape, filters.query)
    if statements is None:
        return ArticlePage([], 0, offset, limit)
    stmt, count_stmt = statements
    items = _listings(session, stmt, params, shape)
    if position_key is not None:
        _keep_positions(items, position_key, offset, limit, lead)
    total = 0
    if with_total:
        # A writer's own list is always counted; other totals may lag (core/totals.py).
        key = None if filters.mine else (database, filters, viewer_id)
        total = _total(session, count_stmt, params, key)
    return ArticlePage(items, total, offset, limit, _next_cursor(items, limit, filters))


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


def _statements(
    session: Session, shape: _ListShape, query: str | None
) -> tuple[Select[Any], Select[Any]] | None:
    """The page and count statements; None when a search matches nothing."""
    if query is None:
        return _memoised_statements(shape)
    matched = search.matching_article_ids(session, query)
    if matched is None:
        return None
    # Ranked lists are built per query: the ranking subquery carries the terms.
    return _page_statement(shape, matched), _count_statement(shape, matched[0])


def _listings(
    session: Session, stmt: Select[Any], params: dict[str, object], shape: _ListShape
) -> list[ArticleListing]:
    items = []
    for row in session.execute(stmt, params):
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


def _keep_positions(
    items: list[ArticleListing],
    position_key: tuple[Any, ...],
    offset: int,
    limit: int,
    lead: int,
) -> None:
    if lead and items:
        totals.TOTALS.put((*position_key, offset), _position(items.pop(0).article))
    if len(items) == limit:
        totals.TOTALS.put((*position_key, offset + limit), _position(items[-1].article))


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
    items: list[ArticleListing], limit: int, filters: ArticleFilter
) -> tuple[datetime, int] | None:
    if not items or len(items) != limit or filters.query is not None:
        return None
    last = items[-1].article
    last_time = last.updated_at if filters.mine else last.published_at
    return (last_time, last.id) if last_time is not None else None


def _database_key(session: Session) -> str:
    """Which database kept figures (totals, positions, tags) belong to."""
    return str(session.get_bind().engine.url)


def _position(article: Article) -> tuple[datetime | None, int]:
    """Where a published list continues after ``article`` (its keyset)."""
    return (article.published_at, article.id)


def _tag_names(value: str | bytes | list[str] | None) -> list[str]:
    if isinstance(value, str | bytes):
        # SQLite's json_group_array: text, in no set order. Sorted by code point, as
        # SQLite's BINARY collation sorts the full collection (Article.tags).
        return sorted(json.loads(value))
    # PostgreSQL's json_agg: a list already in order, or NULL for no tags.
    return list(value or [])


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


def _page_statement(
    shape: _ListShape, matched: tuple[Subquery, ColumnElement[float]] | None = None
) -> Select[Any]:
    conditions = _conditions(shape)
    sort_time = _sort_time(shape)
    id_col = Article.id
    # The page is picked first, as ids in a subquery: ORDER BY, OFFSET and the filters then
    # run on narrow index entries, not on whole article rows joined to their authors (a
    # deep OFFSET or a feed over 200 authors sorted every full row). Only the page's rows
    # are then loaded, with their authors, tag names and the viewer's flags. Still one
    # statement.
    limit = bindparam("limit", type_=Integer)
    keys: list[Any] = [Article.id.label("id")]
    rank = None
    if matched is not None:
        rank_subquery, rank = matched
        keys.append(rank_subquery.c.rank.label("rank"))
    picked = select(*keys).where(*conditions)
    if rank is not None:
        picked = picked.join(rank_subquery, rank_subquery.c.article_id == Article.id)
        picked = picked.order_by(rank, sort_time.desc(), id_col.desc())
    else:
        if shape.after:
            after_time = bindparam("after_time", type_=sort_time.type)
            after_id = bindparam("after_id", type_=Integer)
            picked = picked.where(
                # The plain bound lets the index range start at the cursor on every backend.
                sort_time <= after_time,
                or_(sort_time < after_time, and_(sort_time == after_time, id_col < after_id)),
            )
        picked = picked.order_by(sort_time.desc(), id_col.desc())
    picked = picked.limit(limit)
    if not shape.after:
        picked = picked.offset(bindparam("offset", type_=Integer))
    page_ids = picked.subquery("page")

    columns: list[Any] = [Article, _tag_names_column(shape.dialect).label("tag_names")]
    if shape.viewer:
        viewer_id = bindparam("viewer_id", type_=Integer)
        favorited = exists().where(Favorite.article_id == Article.id, Favorite.user_id == viewer_id)
        following = exists().where(
            Follow.follower_id == viewer_id, Follow.followee_id == Article.author_id
        )
        columns += [favorited.label("favorited"), following.label("following")]
    stmt = select(*columns).join(page_ids, page_ids.c.id == Article.id)
    if rank is not None:
        stmt = stmt.order_by(_in_direction_of(rank, page_ids.c.rank))
    stmt = stmt.order_by(sort_time.desc(), id_col.desc())
    stmt = stmt.options(joinedload(Article.author), joinedload(Article.cover))
    if not shape.with_body:
        stmt = stmt.options(
            defer(Article.body, raiseload=True), defer(Article.body_html, raiseload=True)
        )
    return stmt


def _count_statement(shape: _ListShape, rank_subquery: Subquery | None = None) -> Select[Any]:
    count_stmt = select(func.count()).select_from(Article).where(*_conditions(shape))
    if rank_subquery is not None:
        count_stmt = count_stmt.join(rank_subquery, rank_subquery.c.article_id == Article.id)
    return count_stmt


@functools.lru_cache(maxsize=256)
def _memoised_statements(shape: _ListShape) -> tuple[Select[Any], Select[Any]]:
    """The page and count statements of one list shape, built once per process.

    Building them (the selects, subqueries, options and their cache keys) was a third
    of a list's time; reused, SQLAlchemy's compiled cache is hit with nothing rebuilt.
    """
    return _page_statement(shape), _count_statement(shape)


def _in_direction_of(order: Any, column: Any) -> Any:
    """``column`` sorted the way ``order`` (an ``asc()`` or ``desc()`` clause) sorts."""
    return column.desc() if getattr(order, "modifier", None) is operators.desc_op else column.asc()


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
