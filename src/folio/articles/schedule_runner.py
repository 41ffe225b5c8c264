"""What runs :func:`scheduling.publish_due`: requests, a Celery beat task, a command.

On the embedded default (no broker, no worker) the first request after a scheduled
moment publishes the article before its page is rendered: a throttled check
(``SCHEDULE_CHECK_SECONDS`` per process, one indexed look-up) at the start of requests,
switched by ``SCHEDULE_ON_REQUEST``. In production the beat task does it every
``SCHEDULE_BEAT_SECONDS``; both may run at once, anywhere, as often as they like: each
article is claimed by one process only (see :mod:`folio.articles.scheduling`).
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request

from folio.articles import scheduling
from folio.core.throttle import Throttle
from folio.core.uow import current_session

log = logging.getLogger(__name__)

_STATE = "folio_schedule"
# Requests that never publish: health probes must stay cheap and side-effect free.
_SKIPPED_ENDPOINTS = frozenset({"static", "health.health"})


def init_scheduling(app: Flask) -> None:
    """Publish what is due at the start of requests (when ``SCHEDULE_ON_REQUEST``)."""
    app.extensions[_STATE] = Throttle()
    app.before_request(_publish_due_on_request)


def _publish_due_on_request() -> None:
    app = current_app
    if not app.config.get("SCHEDULE_ON_REQUEST"):
        return
    endpoint = request.endpoint or ""
    if not endpoint or endpoint in _SKIPPED_ENDPOINTS:
        return
    if not app.extensions[_STATE].due(float(app.config["SCHEDULE_CHECK_SECONDS"])):
        return
    _publish_due_quietly()


def _publish_due_quietly() -> list[str]:
    """Publish what is due now; the slugs. A failure is logged, never raised: a reader's
    page must not fail because a scheduled article could not be published."""
    session = current_session()
    try:
        if not scheduling.anything_due(session):
            return []
        published = scheduling.publish_due(session)
    except Exception:
        log.exception("publishing scheduled articles failed")
        try:
            session.rollback()
        except Exception:  # a lost connection: the request's own error handling follows
            log.exception("rollback after a failed scheduled publication failed")
        return []
    if published:
        log.info("published scheduled articles: %s", ", ".join(published))
    return published
