"""A shared cache of public reads, invalidated by every write that could change them.

What is cached: the home page, article pages, tag pages and the anonymous article and
tag lists of both APIs (``CACHED_ENDPOINTS``), for GET requests that carry no session or
remember cookie, no ``Authorization`` header and no conditional headers. Nothing personal
can be stored: a request that could be someone's is never served from nor stored in the
cache, and a response is stored only if it is a 200 that leaves the session untouched
(no CSRF token, no flash message) and is not marked ``no-store``.

How it stays fresh: every entry carries a generation number kept in the cache itself
(Redis when ``REDIS_URL`` is set, so every instance sees the same one). The database
session's events bump it whenever a request or command writes a row (a flush with new,
changed or deleted objects, or an ORM ``INSERT``/``UPDATE``/``DELETE`` statement) and
again once that transaction has committed, so a page rendered from data older than the
commit is never found under the current generation. Old generations simply expire
(``CACHE_DEFAULT_TIMEOUT``). Responses say ``X-Folio-Cache: hit`` or ``miss``.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request, session
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from folio.extensions import cache
from folio.models import RevokedToken

log = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset(
    {
        "web.index",
        "web.article",
        "web.tag",
        "articles.Articles",
        "tags.Tags",
        "realworld.list_articles",
        "realworld.tags",
    }
)
GENERATION_KEY = "folio:public:generation"
_DIRTY = "folio_public_dirty"
# Headers worth keeping with a cached body; the rest (request id, security headers,
# cookies) are made afresh for every response.
_KEPT_HEADERS = ("Content-Type", "Link", "ETag", "Last-Modified", "Content-Language")


def generation() -> int:
    try:
        return int(cache.get(GENERATION_KEY) or 0)
    except Exception:
        log.warning("could not read the public cache generation", exc_info=True)
        return -1


def invalidate() -> None:
    """Make every cached public read stale (for writes outside the session's events)."""
    try:
        # Atomic on Redis (INCR), so concurrent writers on several instances all count.
        cache.cache.inc(GENERATION_KEY)
    except Exception:
        # The write itself must not fail for the cache: pages may be stale for at most
        # CACHE_DEFAULT_TIMEOUT seconds.
        log.warning("could not invalidate the public cache", exc_info=True)


def _personal() -> bool:
    config = current_app.config
    cookies = request.cookies
    return (
        config["SESSION_COOKIE_NAME"] in cookies
        or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies
        or "Authorization" in request.headers
    )


def _cacheable_request() -> bool:
    return (
        bool(current_app.config.get("PUBLIC_CACHE"))
        and request.method == "GET"
        and request.endpoint in CACHED_ENDPOINTS
        and not _personal()
        and "If-None-Match" not in request.headers
        and "If-Modified-Since" not in request.headers
    )


def _key() -> str:
    # The whole URL: pages carry absolute links, so scheme and host are part of the answer.
    digest = hashlib.sha256(request.url.encode()).hexdigest()[:40]
    return f"folio:public:v2:{digest}"


def _serve_from_cache() -> Response | None:
    if not _cacheable_request():
        return None
    key = _key()
    # One round trip for the generation and the entry (MGET on Redis): an entry counts
    # only when it was stored under the current generation. Two sequential GETs were half
    # of a cache hit's time (bench/README.md).
    try:
        current, stored = cache.get_many(GENERATION_KEY, key)
        current = int(current or 0)
    except Exception:
        log.warning("could not read the public cache", exc_info=True)
        return None  # the cache is unreachable: do without it
    if stored is None or stored[0] != current:
        g.public_cache_key = (key, current)
        return None
    _generation, status, headers, body = stored
    response = current_app.response_class(body, status=status, headers=headers)
    response.headers["X-Folio-Cache"] = "hit"
    response.vary.update(("Cookie", "Authorization"))
    return response


def _store(response: Response) -> Response:
    pending = g.pop("public_cache_key", None)
    if pending is None:
        return response
    key, current = pending
    response.headers["X-Folio-Cache"] = "miss"
    response.vary.update(("Cookie", "Authorization"))
    cache_control = response.headers.get("Cache-Control", "")
    if (
        response.status_code == 200
        and not response.is_streamed
        and not session.modified
        and "Set-Cookie" not in response.headers
        and "no-store" not in cache_control
        and "private" not in cache_control
    ):
        headers = [(k, v) for k, v in response.headers.items() if k in _KEPT_HEADERS]
        cache.set(key, (current, response.status_code, headers, response.get_data()))
    return response


# --- invalidation from the session's events --------------------------------------------


def _touches_public_data(objects: Any) -> bool:
    return any(not isinstance(obj, RevokedToken) for obj in objects)


def _after_flush(db_session: Session, _context: Any) -> None:
    if not has_app_context() or "cache" not in current_app.extensions:
        return
    if _touches_public_data([*db_session.new, *db_session.dirty, *db_session.deleted]):
        db_session.info[_DIRTY] = True
        invalidate()


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if not has_app_context() or "cache" not in current_app.extensions:
        return
    state.session.info[_DIRTY] = True
    invalidate()


def _after_commit(db_session: Session) -> None:
    # Again after the commit: a page rendered between the flush and the commit saw the
    # old rows and may have been stored under the generation bumped at flush time.
    if db_session.info.pop(_DIRTY, False) and has_app_context():
        invalidate()


def _after_rollback(db_session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        db_session.info.pop(_DIRTY, None)


def init_caching(app: Flask) -> None:
    app.before_request(_serve_from_cache)
    app.after_request(_store)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
