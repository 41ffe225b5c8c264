"""Scheduled publishing in production: two instances, two Celery workers, two beats.

Two beats (one by mistake) both queue ``folio.tasks.publish_due_articles`` every second,
two workers take the tasks at once, and the instances serve requests: the article is
published once, its follower gets one email, and exactly one task run reports it.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest

from tests.stack.conftest import BIN, Browser, Stack, _wait_for_log, register, spawn, stop

pytestmark = pytest.mark.stack

BEAT_SECONDS = "1"


def _celery(*args: str) -> list[str]:
    return [str(BIN / "celery"), "-A", "folio.tasks", *args]


def _start_scheduling_processes(stack: Stack) -> dict[str, object]:
    """A second worker and two beats, on the stack's broker and database."""
    env = {**stack.instance_env("schedulers"), "FLASK_SCHEDULE_BEAT_SECONDS": BEAT_SECONDS}
    started = {}
    worker = _celery(
        "worker", "--loglevel=INFO", "--concurrency=1", "--hostname", f"w2-{os.getpid()}@%h"
    )
    started["worker2"] = spawn(worker, env, stack.logs / "worker2.log")
    for name in ("beat1", "beat2"):
        command = _celery(
            "beat", "--loglevel=INFO", "--schedule", str(stack.logs / f"{name}-schedule")
        )
        started[name] = spawn(command, env, stack.logs / f"{name}.log")
    _wait_for_log(stack.logs / "worker2.log", " ready.", started["worker2"])  # type: ignore[arg-type]
    for name in ("beat1", "beat2"):
        _wait_for_log(stack.logs / f"{name}.log", "beat: Starting", started[name])  # type: ignore[arg-type]
    return started


def _schedule(author: Browser, base: str, title: str, at: datetime) -> str:
    response = author.submit(
        base,
        "/articles/new/schedule",
        {
            "title": title,
            "description": "Out on the dot",
            "body": "Published by the beat.",
            "tags": "",
            "publish_at": at.strftime("%Y-%m-%dT%H:%M:%S"),
            "browser_time_zone": "UTC",
        },
        page="/articles/new",
    )
    assert response.status == 302, response.text[:2000]
    return response.header("Location") or ""


def _subject(message: Message) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


def test_two_workers_and_two_beats_publish_a_scheduled_article_once(stack: Stack) -> None:
    started = _start_scheduling_processes(stack)
    try:
        author, follower = Browser(), Browser()
        author_name = register(author, stack.a)
        follower_name = register(follower, stack.b)
        followed = follower.submit(stack.b, f"/@{author_name}/follow", {}, page=f"/@{author_name}")
        assert followed.status == 302
        title = f"On the dot {uuid.uuid4().hex[:8]}"
        at = datetime.now(UTC) + timedelta(seconds=6)
        editor = _schedule(author, stack.a, title, at)
        slug = editor.rstrip("/").split("/")[-2]

        message = stack.sink.wait_for(f"{follower_name}@example.com", timeout=60)
        assert title in _subject(message)
        published_at = time.monotonic()
        # The beats go on queueing for a while: nothing more may happen.
        time.sleep(6)
        emails = [
            m for m in stack.sink.messages if follower_name in str(m["To"]) and title in _subject(m)
        ]
        assert len(emails) == 1
        runs = [
            line
            for name in ("worker", "worker2")
            for line in stack.log(name).splitlines()
            if "publish_due_articles" in line and "succeeded" in line and slug in line
        ]
        assert len(runs) == 1, runs
        # Both workers took runs of the task: the race was real.
        for name in ("worker", "worker2"):
            assert re.search(r"publish_due_articles\[[^]]+\] succeeded", stack.log(name)), name
        page = Browser().get(stack.b, f"/articles/{slug}")
        assert page.status == 200
        assert title in page.text
        assert time.monotonic() - published_at < 60
    finally:
        for process in started.values():
            stop(process)  # type: ignore[arg-type]
