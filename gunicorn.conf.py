"""gunicorn settings for Folio in production.

    gunicorn -c gunicorn.conf.py "folio:create_app('production')"

Every value can be changed from the environment (names below) without editing this file.
gunicorn does not read .env files: the configuration comes from the process environment.
"""

from __future__ import annotations

import gc
import os

from gunicorn.glogging import Logger

from folio.logs import may_need_redaction, redact

# Inside a container listen on every interface; the proxy in front is the only client.
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:" + os.environ.get("PORT", "8000"))

# Sync workers, one per core and at least two. Measured on 2 cores with the database on
# the same machine (shared/DESIGN.md): 2 sync workers beat 1 (1 ran at 0.55x), and 4-8
# were slower (0.85-0.95x) with a worse p99, because Folio's requests are short and spend
# their time in Python, not waiting. gthread gave the same throughput with twice the p99.
# Sync workers read the whole request before handling it, so they must sit behind a
# buffering proxy (nginx, a cloud load balancer) that absorbs slow clients.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, os.cpu_count() or 1)))

# A request that takes 30 s is stuck (the slowest page takes milliseconds): the master
# kills the worker and starts another. graceful_timeout: on SIGTERM or a restart, workers
# get this long to finish the requests they hold.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# The proxy keeps connections to us; a short keep-alive frees the sync worker quickly.
keepalive = 2

# Recycle each worker after about this many requests, so a slow leak (in our code or a
# library) never grows without bound. Rarely: a restart re-imports the app (~1 s of CPU,
# one worker fewer meanwhile), and at cached speeds (~2,000 requests a second per worker)
# the old 2,000 restarted a worker every second. A worker's memory is flat over 100,000
# requests (bench/README.md), so a million (minutes at full load, days at ordinary load)
# costs nothing measurable. The jitter keeps the workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1_000_000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 50_000))

# The app is imported in each worker, not in the master (preload_app off): no database
# pool or Redis connection can be shared across a fork, and a replaced worker starts
# from a clean import.
preload_app = False

# Logs go to stdout/stderr, where the container runtime collects them. The app's own
# lines are JSON (folio.logs); the access log carries the request id the app answers
# with, so both can be joined.
accesslog = "-"
errorlog = "-"


class RedactingLogger(Logger):
    """gunicorn's logger, with credentials in request lines (reset links) redacted."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom a format could name: the request line, path, query, raw URI...
        # Checked in one scan first: redacting each of ~30 atoms per request was a tenth
        # of a cached response's time (bench/README.md).
        if not may_need_redaction([v for v in atoms.values() if isinstance(v, str)]):
            return atoms
        return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s fwd="%({x-forwarded-for}i)s" "%(r)s" %(s)s %(b)s %(M)sms '
    'request_id=%({x-request-id}o)s "%(a)s"'
)

# Which proxy to trust is configured in one place, the app's PROXY_FIX_HOPS (ProxyFix):
# gunicorn itself must not turn X-Forwarded-Proto into https for whoever sends it.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# Request limits in front of the app's own MAX_CONTENT_LENGTH.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Keep the app's import-time objects (~130,000, never freed) out of every full
    garbage collection: a full collection over them took ~58 ms, a pause in whichever
    request triggered it (bench/README.md)."""
    gc.freeze()


def post_request(worker, req, environ, resp):  # type: ignore[no-untyped-def]
    """An orphaned worker (its master killed) stops after the request it is serving.

    A sync worker looks for its parent only when no connection is waiting: under steady
    load it would go on serving, and holding the port, without a master. Recycling every
    2,000 requests used to end it; with recycling now rare, this does, at once."""
    if worker.ppid != os.getppid():
        worker.alive = False
