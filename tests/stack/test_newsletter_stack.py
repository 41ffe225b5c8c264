"""The newsletter in production: one article to 1,000 subscribers, two Celery workers.

The stack's worker and a second one share the batches (Redis broker, PostgreSQL); each of
the 1,000 addresses receives the article exactly once, at the configured rate
(``FLASK_NEWSLETTER_RATE_PER_MINUTE``, 3,000 a minute here: a batch of 50 a second).
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections import Counter
from email.header import decode_header, make_header
from email.message import Message

import psycopg
import pytest

from tests.stack.conftest import BIN, Browser, Stack, _wait_for_log, register, spawn, stop

pytestmark = pytest.mark.stack

READERS = 1000


def _subject(message: Message) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


def _subscribe_readers(stack: Stack, author: str, domain: str) -> None:
    """1,000 confirmed subscribers of ``author`` (as confirmed links would leave them)."""
    with psycopg.connect(stack.env["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT id FROM users WHERE username = %s", (author,)).fetchone()
        assert row is not None
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO newsletter_subscribers (email, author_id, source, created_at) "
                "VALUES (%s, %s, 'form', now())",
                [(f"reader{n}@{domain}", row[0]) for n in range(READERS)],
            )


def _sends(stack: Stack, slug: str) -> Counter[str]:
    with psycopg.connect(stack.env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT s.status, count(*) FROM newsletter_sends s JOIN articles a "
            "ON a.id = s.article_id WHERE a.slug = %s GROUP BY s.status",
            (slug,),
        ).fetchall()
    return Counter({status: count for status, count in rows})


def test_one_article_reaches_a_thousand_subscribers_once_each_with_two_workers(
    stack: Stack,
) -> None:
    env = stack.instance_env("newsletter-worker")
    command = [
        str(BIN / "celery"), "-A", "folio.tasks", "worker", "--loglevel=INFO",
        "--concurrency=1", "--hostname", f"nl2-{os.getpid()}@%h",
    ]  # fmt: skip
    second = spawn(command, env, stack.logs / "newsletter-worker.log")
    try:
        _wait_for_log(stack.logs / "newsletter-worker.log", " ready.", second)
        author = Browser()
        name = register(author, stack.a)
        domain = f"{uuid.uuid4().hex[:8]}.example.com"
        _subscribe_readers(stack, name, domain)
        title = f"To a thousand readers {name}"
        started = time.monotonic()
        created = author.submit(
            stack.a,
            "/articles/new",
            {"title": title, "description": "d", "body": "Hello, all of you.", "tags": "",
             "action": "publish", "send_email_shown": "1", "send_email": "y"},
        )  # fmt: skip
        assert created.status == 302, created.text[:2000]
        slug = (created.header("Location") or "").rstrip("/").split("/")[-1]

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            mine = [m for m in stack.sink.messages if domain in str(m["To"])]
            if len(mine) >= READERS:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        time.sleep(3)  # anything sent twice would arrive now
        mine = [m for m in stack.sink.messages if domain in str(m["To"])]
        received = Counter(str(m["To"]) for m in mine)
        assert len(received) == READERS, f"{len(received)} of {READERS} addresses reached"
        assert set(received.values()) == {1}, received.most_common(3)
        assert all(title in _subject(m) for m in mine)
        assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in mine)
        assert _sends(stack, slug) == Counter({"sent": READERS})
        # 20 batches a second apart: the rate held (the last starts 19 s after the first).
        assert elapsed >= 18, elapsed
        # Both workers sent batches: the claims were contended for real.
        for log_name in ("worker", "newsletter-worker"):
            assert re.search(r"newsletter_send_batch\[[^]]+\] succeeded", stack.log(log_name))
    finally:
        stop(second)
