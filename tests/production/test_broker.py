"""The broker's Redis transport (folio.core.broker): one client per channel, the same
messages as kombu's own transport, and a Redis restart survived."""

from __future__ import annotations

import base64
import json
from typing import Any
from unittest import mock

import redis
from kombu import Connection

from folio import create_app
from folio.core.broker import TRANSPORT, RedisTransport, transport_for
from tests.production.redis_server import RedisServer


def test_redis_brokers_use_it_and_others_do_not() -> None:
    assert transport_for("redis://127.0.0.1:6379/0") == TRANSPORT
    assert transport_for("rediss://cache.example:6380/1") == TRANSPORT
    assert transport_for("sentinel://127.0.0.1:26379") is None
    assert transport_for("amqp://guest@127.0.0.1//") is None
    assert transport_for(None) is None


def _queued(server: RedisServer, transport: Any, count: int) -> list[dict[str, Any]]:
    client = redis.Redis.from_url(f"{server.url}/0")
    client.flushdb()
    with Connection(f"{server.url}/0", transport=transport) as connection:
        queue = connection.SimpleQueue("folio-test")
        for number in range(count):
            queue.put({"n": number}, serializer="json")
        queue.close()
    raw = client.lrange("folio-test", 0, -1)
    messages = [json.loads(item) for item in reversed(raw)]
    for message in messages:  # made per message: not the transport's doing
        message["properties"].pop("delivery_tag")
    return messages


def test_it_queues_what_kombus_own_transport_queues(redis_server: RedisServer) -> None:
    ours = _queued(redis_server, RedisTransport, 3)
    theirs = _queued(redis_server, "redis", 3)
    assert ours == theirs
    bodies = [json.loads(base64.b64decode(m["body"])) for m in ours]
    assert bodies == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_one_client_per_channel_and_a_restart_survived(
    redis_server: RedisServer, database_url: str
) -> None:
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": f"{redis_server.url}/0"}
    )
    celery = app.extensions["celery"]
    assert celery.conf.broker_transport == TRANSPORT
    made = mock.patch.object(redis, "Redis", wraps=redis.Redis)
    with app.app_context(), made as clients:
        task = celery.tasks["folio.tasks.notify_comment"]
        task.apply_async(args=(1, "https://folio.example"))
        first = clients.call_count  # the channel's own client and the publishing one
        for _ in range(5):
            task.apply_async(args=(1, "https://folio.example"))
        assert clients.call_count == first <= 2
        redis_server.restart()
        task.apply_async(args=(2, "https://folio.example"))
    queued = redis.Redis.from_url(f"{redis_server.url}/0").lrange("celery", 0, -1)
    assert len(queued) == 1  # a restart empties it: the message after it is there
    assert json.loads(queued[0])["headers"]["task"] == "folio.tasks.notify_comment"
