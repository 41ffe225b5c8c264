"""The Celery broker's Redis transport, publishing through one client per channel.

kombu's Redis channel makes a new ``redis.Redis`` for every message it puts (and every
queue it sizes or binds): on the channel's own connection pool, so no new connection,
but setting up a client's command table cost more CPU than the LPUSH itself, in every
request that queues a task. This channel keeps one client per pool instead; commands
still borrow a connection from the pool for each call, as before, so a client shared by
the threads using the channel is as safe as one per call. A channel whose pool was
dropped (after a fork, on close) makes a new client on the new pool.

Celery uses it through ``broker_transport`` (:func:`folio.tasks.init_celery`) for
``redis://`` and ``rediss://`` brokers; the messages are the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from kombu.transport import redis as kombu_redis

TRANSPORT = "folio.core.broker:RedisTransport"
_SCHEMES = frozenset({"redis", "rediss"})


class RedisChannel(kombu_redis.Channel):
    _publishing_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        pool = self.pool
        kept = self._publishing_client
        if kept is None or kept.connection_pool is not pool:
            kept = self._publishing_client = self._create_client()
        yield kept


class RedisTransport(kombu_redis.Transport):
    Channel = RedisChannel


def transport_for(broker_url: str | None) -> str | None:
    """The transport Celery should use for ``broker_url`` (None: its own choice)."""
    if not broker_url:
        return None
    return TRANSPORT if urlsplit(broker_url).scheme in _SCHEMES else None
