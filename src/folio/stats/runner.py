"""Wiring: which counter this app uses, the rollup task and its beat schedule.

With ``STATS_REDIS_URL`` (default: ``REDIS_URL``) views are counted in Redis and rolled
up into the tables every ``STATS_ROLLUP_SECONDS`` by Celery beat (``celery -A
folio.tasks beat``) or by ``flask --app folio stats rollup`` from cron. Without Redis
they are written to the tables at once and the rollup only clears past days' hashes.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from celery import shared_task
from flask import Flask, current_app

from folio.core.uow import unit_of_work
from folio.stats import rules
from folio.stats.counters import Counter, DatabaseCounter, RedisCounter

log = logging.getLogger(__name__)

_KEY = "folio.stats"


def init_stats(app: Flask) -> None:
    """Choose the counter and schedule the rollup (nothing connects until first use)."""
    app.extensions[_KEY] = build_counter(app)
    celery = app.extensions.get("celery")
    if celery is not None:
        celery.conf.beat_schedule["stats-rollup"] = {
            "task": "folio.tasks.stats_rollup",
            "schedule": float(app.config["STATS_ROLLUP_SECONDS"]),
        }


def build_counter(app: Flask) -> Counter:
    url = app.config.get("STATS_REDIS_URL") or app.config.get("REDIS_URL")
    if not url:
        return DatabaseCounter()
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30
    )
    return RedisCounter(client, app.config["STATS_KEY_PREFIX"], int(app.config["STATS_REDIS_DAYS"]))


def counter() -> Counter:
    counting: Counter = current_app.extensions[_KEY]
    return counting


def today() -> date:
    return datetime.now(UTC).date()


def live_counts() -> rules.DayCounts | None:
    """Today's counts kept outside the tables (Redis), for the dashboards.

    While Redis is out of reach the dashboards still answer: today is then as the last
    rollup left it in the tables.
    """
    import redis

    try:
        return counter().counts(today())
    except redis.RedisError:
        log.warning("today's live counts are out of reach; showing the last rollup")
        return None


def rollup_now(day: date | None = None) -> list[rules.Rollup]:
    """Roll up ``day`` (default: yesterday and today, then forget past hashes)."""
    with unit_of_work() as uow:
        if day is not None:
            return [rules.rollup_day(uow.session, counter(), day, hosts_kept=_hosts_kept())]
        return rules.rollup(uow.session, counter(), today=today(), hosts_kept=_hosts_kept())


def _hosts_kept() -> int:
    return int(current_app.config["STATS_REFERRERS_KEPT"])


@shared_task(name="folio.tasks.stats_rollup")
def stats_rollup() -> int:
    """Beat runs it every ``STATS_ROLLUP_SECONDS``: the views counted so far today and
    yesterday's final totals go to the tables. Idempotent: a repeat writes the same."""
    done = rollup_now()
    return sum(r.views for r in done)
