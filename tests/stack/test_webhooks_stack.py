"""Webhooks in production: two gunicorn instances, two Celery workers on Redis.

An article is published on one instance and changed on the other; the local receiver
gets exactly one signed delivery per event, verified with the standardwebhooks package,
even when the delivery's task message reaches both workers again afterwards.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import pytest
from celery import Celery

from tests.stack.conftest import (
    BIN,
    PASSWORD,
    Browser,
    Stack,
    _wait_for_log,
    register,
    spawn,
    stop,
)
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.stack


def _api(browser: Browser, base: str, method: str, path: str, token: str, body: Any) -> Any:
    response = browser.request(
        base,
        method,
        path,
        json_body=json.dumps(body) if body is not None else None,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status < 300, (response.status, response.text[:2000])
    return json.loads(response.text) if response.text else None


def _token(browser: Browser, base: str, username: str) -> str:
    response = browser.request(
        base,
        "POST",
        "/api/v1/auth/tokens",
        json_body=json.dumps({"email": f"{username}@example.com", "password": PASSWORD}),
    )
    assert response.status == 201 or response.status == 200, response.text[:2000]
    return str(json.loads(response.text)["access_token"])


def _second_worker(stack: Stack) -> Any:
    command = [
        str(BIN / "celery"),
        "-A",
        "folio.tasks",
        "worker",
        "--loglevel=INFO",
        "--concurrency=1",
        "--hostname",
        f"hooks-{os.getpid()}@%h",
    ]
    log = stack.logs / "hooks-worker.log"
    worker = spawn(command, stack.instance_env("hooks-worker"), log)
    _wait_for_log(log, " ready.", worker)
    return worker


def test_each_event_reaches_the_receiver_once_signed(stack: Stack) -> None:
    receiver = Receiver().start()
    worker = _second_worker(stack)
    try:
        author = Browser()
        name = register(author, stack.a)
        token = _token(author, stack.b, name)
        hook = _api(
            author,
            stack.b,
            "POST",
            "/api/v1/webhooks",
            token,
            {"url": receiver.url, "events": ["article.published", "article.updated"]},
        )
        title = f"Hooked {uuid.uuid4().hex[:8]}"
        article = _api(
            author,
            stack.a,
            "POST",
            "/api/v1/articles",
            token,
            {"title": title, "description": "Once", "body": "Sent once.", "publish": True},
        )
        _api(
            author,
            stack.b,
            "PATCH",
            f"/api/v1/articles/{article['slug']}",
            token,
            {"description": "Changed once"},
        )
        received = receiver.wait_for(2, timeout=60)
        payloads = [r.verify(hook["secret"]) for r in received]
        assert sorted(p["type"] for p in payloads) == ["article.published", "article.updated"]
        assert {p["data"]["slug"] for p in payloads} == {article["slug"]}

        # Every delivery's task message again, twice, to whichever worker: each finds it done.
        deliveries = _api(
            author, stack.a, "GET", f"/api/v1/webhooks/{hook['id']}/deliveries", token, None
        )["items"]
        assert len(deliveries) == 2
        broker = Celery(broker=stack.env["REDIS_URL"])
        for delivery in deliveries:
            for _ in range(2):
                broker.send_task("folio.tasks.deliver_webhook", args=[delivery["id"]])
        time.sleep(6)
        assert len(receiver.requests) == 2
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 2
        deliveries = _api(
            author, stack.b, "GET", f"/api/v1/webhooks/{hook['id']}/deliveries", token, None
        )["items"]
        assert [(d["state"], len(d["attempts"])) for d in deliveries] == [("delivered", 1)] * 2
        runs = [
            line
            for log in ("worker", "hooks-worker")
            for line in stack.log(log).splitlines()
            if "deliver_webhook" in line and "succeeded" in line
        ]
        assert sum("'delivered'" in line for line in runs) == 2
        assert sum("'skipped'" in line for line in runs) >= 4
    finally:
        stop(worker)
        receiver.stop()
