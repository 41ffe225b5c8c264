"""The view beacon, the writer's dashboard (/me/stats) and the site's (/admin/stats)."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, jsonify, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge

from folio.core.errors import NotFound
from folio.core.uow import current_session, unit_of_work
from folio.errors import RETRY_AFTER_SECONDS
from folio.extensions import csrf, limiter
from folio.stats import queries, runner
from folio.stats.charts import daily_chart, day_label, share
from folio.stats.rules import Beacon, record_view
from folio.stats.visitors import site_hosts
from folio.web import bp
from folio.web.helpers import admin_required, no_store, signed_in_user

log = logging.getLogger(__name__)


# --- the beacon ----------------------------------------------------------------------


@bp.post("/stats/views/<slug>")
@limiter.limit(lambda: str(current_app.config["RATELIMIT_STATS_BEACON"]))
@csrf.exempt
def stats_beacon(slug: str) -> Response:
    """Count one view of a published article (sent by js/stats.js from the page, so
    cached pages count too). 204 whether or not it was counted (bots are not); 404 for
    an article that does not exist or is not published; nothing is stored then."""
    if not current_app.config["STATS_ENABLED"]:
        return _refused(404, "stats", "are not counted on this site")
    if _cross_site():
        return _refused(403, "origin", "must be this site")
    try:
        body = _beacon_body()
    except RequestEntityTooLarge:
        return _refused(413, "body", "is too large")
    except ValueError as exc:
        return _refused(400, "body", str(exc))
    beacon = Beacon(
        slug=slug,
        address=request.remote_addr or "",
        user_agent=request.headers.get("User-Agent", ""),
        referrer=body.get("referrer"),
    )
    own = site_hosts(current_app.config.get("PUBLIC_URL"), request.host)
    try:
        with unit_of_work() as uow:
            record_view(uow.session, runner.counter(), beacon, own_hosts=own)
    except NotFound:
        return _refused(404, "article", "not found")
    except _redis_errors() as exc:
        log.warning("a view could not be counted: %s", exc)
        response = _refused(503, "service", "is briefly unavailable; try again shortly")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _no_content()


def _cross_site() -> bool:
    # Browsers send Origin with a POST: a page elsewhere must not count views here.
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc.lower() != request.host.lower()


def _beacon_body() -> dict[str, Any]:
    """``{"referrer": "..."}`` or nothing (sendBeacon posts it as text or JSON).

    :raises ValueError: a body that is not such an object.
    :raises RequestEntityTooLarge: over ``STATS_BEACON_MAX_BYTES``.
    """
    limit = int(current_app.config["STATS_BEACON_MAX_BYTES"])
    # The input guards may have read the body already (under the app's larger limit).
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    request.max_content_length = limit
    raw = request.get_data()
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("is not JSON") from None
    if not isinstance(data, dict) or set(data) - {"referrer"}:
        raise ValueError('must be an object with at most "referrer"')
    if not isinstance(data.get("referrer", ""), str | None):
        raise ValueError("referrer must be a string")
    return data


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError,)


def _refused(status: int, field: str, message: str) -> Response:
    response = jsonify({"errors": {field: [message]}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_content() -> Response:
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- dashboards ------------------------------------------------------------------------


@bp.app_template_filter("stats_day")
def stats_day(day: date) -> str:
    """3 Dec 2026 (3. Dez. 2026, 3 dic 2026: in the reader's language)."""
    return day_label(day, year=True)


@bp.app_template_filter("stats_number")
def stats_number(number: int) -> str:
    """12,345 (12.345 in German and Spanish)."""
    return str(format_number(number))


def _period() -> int:
    days = request.args.get("days", type=int)
    return days if days in queries.PERIODS else queries.DEFAULT_PERIOD


def _dashboard(
    scope: queries.Scope, subject: str, endpoint: str, **url_values: Any
) -> dict[str, Any]:
    days = _period()
    report = queries.report(
        current_session(), scope, days=days, today=runner.today(), live=runner.live_counts()
    )
    return {
        "report": report,
        "chart": daily_chart(report.series, subject=_last_days(subject, days)),
        "periods": [(p, url_for(endpoint, days=p, **url_values)) for p in queries.PERIODS],
        "share": share,
        "subject": subject,
    }


def _last_days(subject: str, days: int) -> str:
    return ngettext(
        "%(subject)s, last %(num)s day", "%(subject)s, last %(num)s days", days, subject=subject
    )


@bp.get("/me/stats")
@login_required
@no_store
def my_stats() -> str:
    user = signed_in_user()
    figures = _dashboard(queries.Scope(author_id=user.id), _("your articles"), "web.my_stats")
    return render_template("stats/mine.html", **figures)


@bp.get("/me/stats/<slug>")
@login_required
@no_store
def my_article_stats(slug: str) -> str:
    """One article's figures, for its author (403 for someone else's, 404 for none)."""
    article = queries.own_article(current_session(), signed_in_user(), slug)
    scope = queries.Scope(article_id=article.id)
    figures = _dashboard(scope, _("this article"), "web.my_article_stats", slug=slug)
    return render_template("stats/article.html", article=article, **figures)


@bp.get("/admin/stats")
@admin_required
@no_store
def admin_stats() -> str:
    figures = _dashboard(queries.Scope(), _("the whole site"), "web.admin_stats")
    return render_template("stats/site.html", tab="stats", **figures)
