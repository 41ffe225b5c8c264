"""Template filters and globals: relative dates, avatars, sanitised article HTML.

Article HTML is sanitised when it is saved (folio.articles.markdown); it is marked safe here, in
Python, so no template ever needs ``|safe``.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from babel import Locale, dates
from babel.numbers import format_decimal
from flask import Response, current_app, g, request, url_for
from flask.globals import _cv_request
from flask_login import current_user
from markupsafe import Markup, escape

from folio.articles.markdown import table_of_contents
from folio.errors import face
from folio.i18n import DEFAULT_LOCALE
from folio.i18n.current import current_locale, gettext, reader_language
from folio.models import Article, User
from folio.web import bp

AVATAR_TONES = 8
_DAY = 24 * 3600


def _locale() -> Locale:
    return current_locale()


def _in_reader_zone(value: datetime) -> datetime:
    # The reader's zone (their setting, else the site's): folio.i18n.setup.
    reader = reader_language()
    return value.astimezone((reader.zone if reader is not None else None) or UTC)


def _reader_key() -> tuple[str, Any]:
    reader = reader_language()
    return (reader.identifier, reader.zone) if reader is not None else (DEFAULT_LOCALE, None)


# Babel's formatting is the costliest part of a list page's cards (two dates each, ~50 µs;
# bench/README.md): the same (moment, language, zone) always reads the same, so each
# process remembers the last few thousand. Relative times are remembered by the unit and
# count Babel rounds to, which is all its wording depends on.
_DATES_MAX = 4096
_TIMEDELTA_UNITS = tuple(seconds for _unit, seconds in dates.TIMEDELTA_UNITS)


def _remembered(memo: dict[Any, str], key: Any, make: Any) -> str:
    found = memo.get(key)
    if found is None:
        if len(memo) >= _DATES_MAX:
            memo.clear()
        found = memo[key] = make()
    return found


_timeago_memo: dict[Any, str] = {}
_fulldate_memo: dict[Any, str] = {}
_shortdate_memo: dict[Any, str] = {}


def timeago(value: datetime | None, now: datetime | None = None) -> str:
    """ "3 hours ago", "yesterday", "just now", in the reader's language."""
    if value is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return gettext("just now")
    if _DAY <= seconds < 2 * _DAY:
        return gettext("yesterday")
    # format_timedelta(threshold=1) names the first unit the delta reaches one of, with
    # the count rounded as it rounds it.
    unit = next(s for s in _TIMEDELTA_UNITS if seconds / s >= 1)
    key = (_reader_key()[0], unit, round(seconds / unit))
    return _remembered(
        _timeago_memo,
        key,
        lambda: dates.format_timedelta(
            -timedelta(seconds=seconds), threshold=1, add_direction=True, locale=_locale()
        ),
    )


def fulldate(value: datetime | None) -> str:
    """ "1 May 2026, 14:00 CEST": the date, the time and the zone the reader reads in."""
    if value is None:
        return ""
    return _remembered(_fulldate_memo, (value, *_reader_key()), lambda: _fulldate(value))


def _fulldate(value: datetime) -> str:
    local, locale = _in_reader_zone(value), _locale()
    zone = dates.format_datetime(local, "z", tzinfo=local.tzinfo, locale=locale)
    day = dates.format_date(local, "long", locale=locale)
    return f"{day}, {dates.format_time(local, 'short', tzinfo=local.tzinfo, locale=locale)} {zone}"


def shortdate(value: datetime | None) -> str:
    if value is None:
        return ""
    return _remembered(
        _shortdate_memo,
        (value, *_reader_key()),
        lambda: dates.format_date(_in_reader_zone(value), "medium", locale=_locale()),
    )


def when(value: datetime) -> Markup:
    """A moment as readers see it: "3 hours ago", with the full date on hover.

    A Python global rather than a macro: list pages draw one per card, and a Jinja macro
    call costs several times what this does (bench/README.md). Escaped by hand: Markup's
    ``format`` goes through string.Formatter, several times dearer again."""
    return Markup(  # noqa: S704 - every value is escaped
        f'<time datetime="{escape(value.isoformat())}" title="{escape(fulldate(value))}">'
        f"{escape(timeago(value))}</time>"
    )


def article_html(article: Article) -> Markup:
    """The article's body, sanitised when it was saved."""
    return Markup(article.body_html)  # noqa: S704 - nh3-sanitised by folio.articles.markdown


def sections(body_html: str) -> list[tuple[int, str, str]]:
    """A long article's table of contents: its anchored headings (none for short ones)."""
    return table_of_contents(body_html)


def filesize(size: int) -> str:
    """Bytes as people read them: "0 KB", "820 KB", "4.6 MB"."""
    if size < 1024 * 1024:
        return f"{format_decimal(round(size / 1024), locale=_locale())} KB"
    return f"{format_decimal(round(size / (1024 * 1024), 1), '0.0', locale=_locale())} MB"


def initials(user: User) -> str:
    words = [w for w in user.name.replace("_", " ").replace("-", " ").split() if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def avatar_tone(user: User) -> int:
    return zlib.crc32(user.username.lower().encode()) % AVATAR_TONES


bp.add_app_template_filter(timeago, "timeago")
bp.add_app_template_filter(fulldate, "fulldate")
bp.add_app_template_filter(shortdate, "shortdate")
bp.add_app_template_filter(article_html, "article_html")
bp.add_app_template_filter(initials, "initials")
bp.add_app_template_filter(filesize, "filesize")
bp.add_app_template_filter(sections, "sections")
bp.add_app_template_filter(avatar_tone, "avatar_tone")
bp.add_app_template_global(when, "when")


def this_url(**changes: Any) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args: dict[str, Any] = dict(request.args.items())
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint or "web.index", **(request.view_args or {}), **args)


bp.add_app_template_global(this_url, "this_url")

# Werkzeug's routing builds each link afresh: ~150 per list page, 18% of its time
# (bench/README.md). Each app remembers its links per (script root, blueprint), by
# endpoint and arguments, up to this many in all.
_LINKS_MAX = 50_000
_REQUEST_LINKS = "folio_request_links"


def memo_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for templates, remembering the site-relative links it built.

    A relative link depends only on the routes, the script root, the endpoint and its
    arguments, so the same call always gives the same string; ``_external``, ``_scheme``
    and ``_anchor`` calls, and calls outside a request, go straight to ``url_for``.
    """
    for name in values:
        if name[0] == "_":
            return url_for(endpoint, **values)
    context = _cv_request.get(None)
    if context is None:
        return url_for(endpoint, **values)
    # The table for this request's script root and blueprint, found once per request:
    # reading them through the request proxies cost as much as building the link.
    environ = context.request.environ
    links: dict[tuple[Any, ...] | str, str] | None = environ.get(_REQUEST_LINKS)
    if links is None:
        tables = current_app.extensions.setdefault("folio_links", {})
        if sum(len(table) for table in tables.values()) >= _LINKS_MAX:
            tables.clear()
        links = tables.setdefault((request.script_root, request.blueprint), {})
        environ[_REQUEST_LINKS] = links
    key: tuple[Any, ...] | str = (endpoint, *values.items()) if values else endpoint
    try:
        link = links.get(key)
    except TypeError:  # an unhashable argument (a list of values)
        return url_for(endpoint, **values)
    if link is None:
        link = links[key] = url_for(endpoint, **values)
    return link


bp.add_app_template_global(memo_url_for, "url_for")


@bp.app_context_processor
def site_globals() -> dict[str, Any]:
    return {"current_year": datetime.now(UTC).year}


@bp.after_app_request
def private_pages_are_not_stored(response: Response) -> Response:
    """Pages with forms and signed-in pages are never cached (stale CSRF, personal data)."""
    if face() != "web" or response.mimetype != "text/html":
        return response
    if 300 <= response.status_code < 400 and "Cache-Control" in response.headers:
        # A redirect carries no page: the caching its view chose stands (an image's
        # redirect to the bucket is immutable, for signed-in readers too).
        return response
    if g.get("folio_no_store") or current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    elif request.method == "GET" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    return response
