"""A shared cache of public reads, invalidated by every write that could change them.

What is cached: the home page, article, tag, profile and search pages, the Atom feeds, and
the anonymous article lists, single articles and tag lists of both APIs
(``CACHED_ENDPOINTS``), for GET requests that carry no session or remember cookie, no
``Authorization`` header and no ``Origin``.
Nothing personal can be stored: a request that could be someone's is never served from
nor stored in the cache, and a response is stored only if it is a 200 that leaves the
session untouched (no CSRF token, no flash message), sets no cookie, was checked against
no rate limit and is not marked ``no-store`` or ``private`` by its view.

Where: ``PublicCache`` is WSGI middleware just inside ProxyFix. A hit is answered there,
before Flask builds a request — the complete response as Folio sent it (security headers
included), with a fresh ``X-Request-ID`` — so a hit costs one Redis round trip and little
else (bench/README.md). A miss goes through Flask; Flask's after-request hook says
whether the response may be shared, and the middleware stores what was finally sent.

How it stays fresh: every entry carries a generation number kept in the cache itself
(Redis when ``REDIS_URL`` is set, so every instance sees the same one). A unit of work
whose domain events change public data bumps it once, after its commit
(:func:`forget_public_reads`), so a page rendered from data older than the commit is
never found under the current generation. Old generations simply expire
(``CACHE_DEFAULT_TIMEOUT``). Responses say ``X-Folio-Cache: hit`` or ``miss``.

Each worker also keeps the entries it served lately (``LocalCopies``) and answers them
again without the Redis round trip for ``PUBLIC_CACHE_LOCAL_SECONDS`` after it last read
the generation, as a proxy's micro-cache would: a write through another instance shows
to anonymous readers of this one at most that long later; a write through this process
forgets the copies at once. ``0`` turns it off.

Conditional requests: every stored response carries a strong ``ETag`` (the view's own, or
a digest of the body). A request with ``If-None-Match`` or ``If-Modified-Since`` is
answered from the current entry, a 304 with the headers the 200 has, less the body's
(:func:`not_modified`); on a miss the view renders the whole response, which is stored and
then compared. An entry of an older generation never answers, so no 304 outlives a write.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Flask, Response, current_app, has_app_context, request, session
from werkzeug.http import parse_cookie, parse_date, parse_etags, unquote_etag

from folio.core import totals
from folio.core.events import DomainEvent, subscribe_batches
from folio.extensions import cache
from folio.federation.documents import prefers_activity_json
from folio.i18n.setup import locale_for_environ
from folio.logs import access_log, redact

log = logging.getLogger(__name__)

CACHED_ENDPOINTS = frozenset(
    {
        "web.index",
        "web.article",
        "web.tag",
        "web.profile",
        "web.search",
        "web.atom",
        "web.profile_atom",
        "web.tag_atom",
        "articles.Articles",
        "articles.ArticleItem",
        "tags.Tags",
        "realworld.list_articles",
        "realworld.get_article",
        "realworld.tags",
    }
)
GENERATION_KEY = "folio:public:generation"
_LOCAL = "folio_public_local"
# Set by the middleware on a request it may store ((key, generation)), and by Flask's
# after-request hook once the response proved shareable.
_PENDING = "folio.public_cache"
_SHAREABLE = "folio.public_cache.shareable"
# Made afresh for every response, never stored with a body.
_PER_RESPONSE = frozenset({"x-request-id", "x-folio-cache", "set-cookie", "date"})
# Request headers that make a request someone's, or ask for something else than the
# shared answer (CORS headers for one origin).
_BYPASS = ("HTTP_AUTHORIZATION", "HTTP_ORIGIN")
# A miss answers these itself, from the entry it stores (the view sees none of them).
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# What a 304 leaves out: werkzeug's entity headers (remove_entity_headers, as a Flask 304
# sends them), without its per-header cost on the hot path.
_BODY_HEADERS = frozenset(
    {
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-md5",
        "content-range",
        "content-type",
        "last-modified",
    }
)

StartResponse = Callable[..., Any]


def generation() -> int:
    try:
        return int(cache.get(GENERATION_KEY) or 0)
    except Exception:
        log.warning("could not read the public cache generation", exc_info=True)
        return -1


def invalidate() -> None:
    """Make every cached public read stale (for writes outside the session's events)."""
    if has_app_context() and (local := current_app.extensions.get(_LOCAL)) is not None:
        local.forget()
    try:
        # Atomic on Redis (INCR), so concurrent writers on several instances all count.
        cache.cache.inc(GENERATION_KEY)
    except Exception:
        # The write itself must not fail for the cache: pages may be stale for at most
        # CACHE_DEFAULT_TIMEOUT seconds.
        log.warning("could not invalidate the public cache", exc_info=True)


def not_modified(environ: dict[str, Any], etag: str | None, last_modified: str | None) -> bool:
    """Whether a GET's ``If-None-Match`` or ``If-Modified-Since`` names the representation
    with these validators (RFC 9110 13.1.2, 13.1.3): then the answer is a 304.

    ``If-None-Match`` wins when both are sent, compared weakly as the RFC says. A date
    must equal ``Last-Modified`` exactly (nginx's default), not merely be later: a list's
    newest entry can go back in time when it is deleted. Headers that do not parse never
    match.
    """
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if not etag:
            return False
        if if_none_match == etag:  # what a reader sends back, without parsing
            return True
        return parse_etags(if_none_match).contains_weak(unquote_etag(etag)[0])
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is None or not last_modified:
        return False
    if since == last_modified:
        return True
    asked = parse_date(since)
    return asked is not None and asked == parse_date(last_modified)


def _validators(headers: Iterable[tuple[str, str]]) -> tuple[str | None, str | None]:
    etag = last_modified = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == "etag":
            etag = value
        elif lowered == "last-modified":
            last_modified = value
    return etag, last_modified


class LocalCopies:
    """The entries one worker served lately, kept for ``seconds`` after the generation
    was last read from the shared cache, and at most ``max_bytes`` of bodies (LRU).

    Entries are the tuples stored in the shared cache, ``(generation, status, headers,
    body)``; one counts only under the generation last read.
    """

    def __init__(self, seconds: float, max_bytes: int) -> None:
        self.seconds = max(0.0, float(seconds))
        self.max_bytes = int(max_bytes)
        self._entries: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self._bytes = 0
        self._generation: int | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()
        self.clock = time.monotonic

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.max_bytes > 0

    def get(self, key: str, now: float) -> tuple[Any, ...] | None:
        if self._generation is None or now - self._read_at >= self.seconds:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != self._generation:
                return None
            self._entries.move_to_end(key)
            return entry

    def saw(self, generation: int, now: float, key: str, entry: tuple[Any, ...] | None) -> None:
        """What one round trip read: the current generation and the entry under ``key``."""
        with self._lock:
            if generation != self._generation:
                self._clear()
                self._generation = generation
            self._read_at = now
        if entry is not None:
            self.keep(key, entry)

    def keep(self, key: str, entry: tuple[Any, ...]) -> None:
        size = len(entry[-1])
        # One page may not push out most of the others.
        if entry[0] != self._generation or size > self.max_bytes // 8:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous[-1])
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped[-1])

    def forget(self) -> None:
        with self._lock:
            self._clear()
            self._generation = None

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0


class PublicCache:
    """WSGI middleware: answers cached public reads, stores the shareable misses."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        config = app.config
        self.personal_cookies = (
            config["SESSION_COOKIE_NAME"],
            config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        )
        self.log_json = bool(config.get("LOG_JSON")) and not app.testing
        self.default_locale = config.get("BABEL_DEFAULT_LOCALE")
        self.local = LocalCopies(
            config.get("PUBLIC_CACHE_LOCAL_SECONDS", 0.0),
            config.get("PUBLIC_CACHE_LOCAL_MAX_BYTES", 0),
        )
        app.extensions[_LOCAL] = self.local

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        if not self._cacheable(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = _key(environ, self.default_locale)
        local = self.local if self.local.enabled else None
        now = self.local.clock()
        if local is not None and (copy := local.get(key, now)) is not None:
            return self._answer(environ, start_response, copy, started)
        backend = self.app.extensions["cache"][cache]
        # One round trip for the generation and the entry (MGET on Redis): an entry counts
        # only when it was stored under the current generation.
        try:
            current, stored = backend.get_many(GENERATION_KEY, key)
            current = int(current or 0)
        except Exception:
            log.warning("could not read the public cache", exc_info=True)
            return self.wsgi_app(environ, start_response)  # do without the cache
        fresh = stored if stored is not None and stored[0] == current else None
        if local is not None:
            local.saw(current, now, key, fresh)
        if fresh is not None:
            return self._answer(environ, start_response, fresh, started)
        environ[_PENDING] = (key, current)
        return self._store_after(environ, start_response, backend)

    def _cacheable(self, environ: dict[str, Any]) -> bool:
        if environ["REQUEST_METHOD"] != "GET" or self.app.debug:
            return False
        if not self.app.config.get("PUBLIC_CACHE"):
            return False
        if any(name in environ for name in _BYPASS):
            return False
        cookie = environ.get("HTTP_COOKIE")
        if cookie:
            cookies = parse_cookie(cookie)
            return not any(name in cookies for name in self.personal_cookies)
        return True

    def _answer(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        stored: tuple[Any, ...],
        started: float,
    ) -> list[bytes]:
        _generation, status, headers, body = stored
        status, headers, body = _conditional_answer(environ, status, headers, body)
        request_id = uuid.uuid4().hex
        start_response(status, [*headers, ("X-Request-ID", request_id), ("X-Folio-Cache", "hit")])
        if self.log_json:
            # The same line the app writes for every response it makes (folio.logs).
            access_log.info(
                "request",
                extra={
                    "status": int(status.split(" ", 1)[0]),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                    "remote_addr": environ.get("REMOTE_ADDR"),
                    "method": "GET",
                    "path": redact(environ.get("PATH_INFO", "")),
                    "user_id": None,
                },
            )
        return [body]

    def _store_after(
        self, environ: dict[str, Any], start_response: StartResponse, backend: Any
    ) -> Iterable[bytes]:
        # A conditional miss is answered once the whole response is known (it may be a 304).
        conditions = {name: environ[name] for name in _CONDITIONAL if name in environ}
        sent: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent["status"], sent["headers"] = status, headers
            if conditions and exc_info is None:
                return _unwritable
            return start_response(status, headers, exc_info)

        body_iter = self.wsgi_app(environ, capture)
        environ.update(conditions)  # the view did not see them (_defer_conditions)
        if not environ.get(_SHAREABLE):
            if conditions and "status" in sent:
                start_response(sent["status"], sent["headers"])
            return body_iter
        try:
            body = b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close is not None:
                close()
        key, current = environ[_PENDING]
        headers = [(k, v) for k, v in sent["headers"] if k.lower() not in _PER_RESPONSE]
        entry = (current, sent["status"], headers, body)
        try:
            backend.set(key, entry)
        except Exception:
            log.warning("could not store a public page", exc_info=True)
            return [body]
        if self.local.enabled:
            self.local.keep(key, entry)
        if conditions:
            status, headers, body = _conditional_answer(
                environ, sent["status"], sent["headers"], body
            )
            start_response(status, headers)
        return [body]


def _conditional_answer(
    environ: dict[str, Any], status: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[str, list[tuple[str, str]], bytes]:
    """The stored 200, or the 304 it becomes for a request that already holds it: the
    same headers (ETag, Cache-Control, Vary, ...) less those describing the body."""
    if not any(name in environ for name in _CONDITIONAL):
        return status, headers, body
    if not not_modified(environ, *_validators(headers)):
        return status, headers, body
    kept = [(name, value) for name, value in headers if name.lower() not in _BODY_HEADERS]
    return "304 Not Modified", kept, b""


def _unwritable(data: bytes) -> None:
    raise RuntimeError("the public cache sends a conditional miss itself; no write()")


def _key(environ: dict[str, Any], default_locale: str | None) -> str:
    # The whole URL: pages carry absolute links, so scheme and host are part of the answer.
    url = "{}://{}{}{}?{}".format(
        environ["wsgi.url_scheme"],
        environ.get("HTTP_HOST", ""),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )
    # A profile or an article is a page or an ActivityPub document by its Accept header
    # (folio.federation): each has a key of its own, so neither is served for the other.
    if prefers_activity_json(environ.get("HTTP_ACCEPT", "")):
        url += "#activity+json"
    elif not environ.get("PATH_INFO", "").startswith("/api"):
        # A page is written in the reader's language: one entry per language (the APIs
        # answer in English whatever the reader's).
        url += "#" + locale_for_environ(environ, default_locale)
    digest = hashlib.sha256(url.encode("latin-1", "replace")).hexdigest()[:40]
    return f"folio:public:v4:{digest}"


def _defer_conditions() -> None:
    # A cached endpoint renders the full response on a miss: the middleware stores it and
    # answers the request's conditions from it (so a 304 is never what gets stored).
    if _PENDING in request.environ and request.endpoint in CACHED_ENDPOINTS:
        for name in _CONDITIONAL:
            request.environ.pop(name, None)


def stored_anonymous_body(environ: dict[str, Any]) -> bytes | None:
    """The JSON body the public cache holds for this URL as an anonymous reader gets it,
    if it is fresh (stored under the current generation), else None.

    For a signed-in read that differs from the anonymous one only in the viewer's own
    flags: the view overlays them instead of building the list again. The entry is read
    as the middleware reads it (this worker's copy, else one round trip).
    """
    app = current_app
    if not app.config.get("PUBLIC_CACHE") or app.debug:
        return None
    local: LocalCopies | None = app.extensions.get(_LOCAL)
    key = _key(environ, app.config.get("BABEL_DEFAULT_LOCALE"))
    now = local.clock() if local is not None else 0.0
    entry = local.get(key, now) if local is not None and local.enabled else None
    if entry is None:
        try:
            current, stored = app.extensions["cache"][cache].get_many(GENERATION_KEY, key)
            current = int(current or 0)
        except Exception:
            log.warning("could not read the public cache", exc_info=True)
            return None
        entry = stored if stored is not None and stored[0] == current else None
        if local is not None and local.enabled:
            local.saw(current, now, key, entry)
    if entry is None or not entry[1].startswith("200"):
        return None
    headers = {name.lower(): value for name, value in entry[2]}
    if "content-encoding" in headers or headers.get("content-type") != "application/json":
        return None
    return bytes(entry[3])


def _mark_shareable(response: Response) -> Response:
    """Tell the middleware whether this miss may be stored for everyone."""
    if _PENDING not in request.environ or request.endpoint not in CACHED_ENDPOINTS:
        return response
    response.headers["X-Folio-Cache"] = "miss"
    response.vary.update(("Cookie", "Authorization", "Accept-Language"))
    cache_control = response.headers.get("Cache-Control", "")
    if (
        response.status_code == 200
        and not response.is_streamed
        and not session.modified
        and "Set-Cookie" not in response.headers
        and "no-store" not in cache_control
        and "private" not in cache_control
    ):
        request.environ[_SHAREABLE] = True
        response.add_etag()  # unless the view has its own; strong, a digest of the body
    return response


def _refuse_rate_limited(response: Response) -> Response:
    # Registered first, so it runs after every other hook: a response that counted
    # against a client's limit carries that client's figures.
    if any(name.startswith("X-RateLimit") for name in response.headers.keys()):
        request.environ.pop(_SHAREABLE, None)
    return response


# --- invalidation, from the domain events -------------------------------------------------


def forget_public_reads(events: Sequence[DomainEvent]) -> None:
    """After a committed change to public data: cached pages and list totals are stale.

    After the commit is early enough: a page rendered before it was stored under the
    generation read at its start, which this bump makes old. Once per commit, whatever
    number of events it recorded: one bump makes every page stored before it old.
    """
    if any(event.CHANGES_PUBLIC_DATA for event in events):
        totals.forget()
        invalidate()


def init_caching(app: Flask) -> None:
    # after_request hooks run last-registered first: _mark_shareable sees the view's own
    # headers before the other hooks add theirs, _refuse_rate_limited sees the final ones.
    app.after_request_funcs.setdefault(None, []).insert(0, _refuse_rate_limited)
    app.before_request(_defer_conditions)
    app.after_request(_mark_shareable)
    app.wsgi_app = PublicCache(app, app.wsgi_app)  # type: ignore[method-assign]
    subscribe_batches(forget_public_reads)
