"""Two gunicorn instances, one Celery worker, PostgreSQL and Redis: the proof that
Folio's instances are stateless and share what they must."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.stack.conftest import PASSWORD, Browser, Stack, register

pytestmark = pytest.mark.stack


def test_a_session_from_one_instance_works_on_the_other(stack: Stack) -> None:
    browser = Browser()
    name = register(browser, stack.a)
    assert any(cookie.startswith("__Host-session") for cookie in browser.cookies)
    settings = browser.get(stack.b, "/settings")
    assert settings.status == 200
    assert name in settings.text
    # Signing out on B ends the session on A too.
    assert browser.submit(stack.b, "/auth/logout", {}, page="/settings").status == 302
    assert browser.get(stack.a, "/settings").status == 302


def test_an_edit_on_one_instance_invalidates_the_cached_page_on_the_other(stack: Stack) -> None:
    author = Browser()
    register(author, stack.a)
    title = f"Cached {uuid.uuid4().hex[:8]}"
    created = author.submit(
        stack.a,
        "/articles/new",
        {
            "title": title,
            "description": "About caching",
            "body": "First body.",
            "tags": "ops",
            "action": "publish",
        },
    )
    assert created.status == 302, created.text[:2000]
    path = urlsplit(created.header("Location") or "").path
    assert path.startswith("/articles/")

    reader = Browser()  # anonymous: no cookies
    first = reader.get(stack.b, path)
    second = reader.get(stack.b, path)
    assert first.status == second.status == 200
    assert second.header("X-Folio-Cache") == "hit"
    assert reader.get(stack.a, path).header("X-Folio-Cache") == "hit"  # one shared cache

    edited = author.submit(
        stack.a,
        f"{path}/edit",
        {
            "title": f"{title} revised",
            "description": "About caching",
            "body": "New body.",
            "tags": "ops",
            "action": "save",
        },
    )
    assert edited.status == 302, edited.text[:2000]
    # B may answer from its own copy for PUBLIC_CACHE_LOCAL_SECONDS (1 s in production)
    # after it last read the shared generation; then it must see the edit.
    edited_at = time.monotonic()
    while True:
        after = reader.get(stack.b, path)
        assert after.status == 200
        if f"{title} revised" in after.text or time.monotonic() - edited_at > 8:
            break
        assert after.header("X-Folio-Cache") == "hit"
        time.sleep(0.1)
    assert f"{title} revised" in after.text
    assert "New body." in after.text
    assert time.monotonic() - edited_at < 4  # the 1 s window, with room for a slow machine
    home = reader.get(stack.b, "/")
    assert f"{title} revised" in home.text


def test_a_rate_limit_counts_across_both_instances(stack: Stack) -> None:
    browser = Browser()  # one client address, behind the same proxy
    body = json.dumps({"email": "nobody@example.com", "password": "wrong password"})
    statuses = [
        browser.request(base, "POST", "/api/v1/auth/tokens", json_body=body).status
        for base in [stack.a, stack.b] * 4
    ]
    # The limit is 6 per minute per client; both instances count in the same Redis.
    assert statuses[:6] == [401] * 6
    assert statuses[6:] == [429, 429]
    limited = browser.request(stack.a, "POST", "/api/v1/auth/tokens", json_body=body)
    assert int(limited.header("Retry-After") or 0) > 0
    # Another client is not affected.
    assert Browser().request(stack.b, "POST", "/api/v1/auth/tokens", json_body=body).status == 401


def test_guessing_one_account_from_many_addresses_is_stopped_but_its_owner_gets_in(
    stack: Stack,
) -> None:
    owner = Browser()
    name = register(owner, stack.a)  # signing up signs in: this browser is known now
    email = f"{name}@example.com"
    assert owner.submit(stack.b, "/auth/logout", {}, page="/settings").status == 302
    statuses = []
    for base in [stack.a, stack.b] * 2:
        attacker = Browser()  # a new address each time
        statuses.append(
            attacker.submit(base, "/auth/login", {"email": email, "password": "guess"}).status
        )
    # 3 failures per minute per account, counted across both instances.
    assert statuses == [401, 401, 401, 429]
    # Even the right password waits on a browser the account has not used...
    stranger = Browser().submit(stack.a, "/auth/login", {"email": email, "password": PASSWORD})
    assert stranger.status == 429
    # ...but the owner's own browser, known from its last sign-in, gets in.
    back = owner.submit(stack.b, "/auth/login", {"email": email, "password": PASSWORD})
    assert back.status == 302


def test_a_reset_requested_on_a_is_mailed_by_the_worker_and_works_on_b(stack: Stack) -> None:
    owner = Browser()
    name = register(owner, stack.a)
    email = f"{name}@example.com"
    requester = Browser()
    response = requester.submit(stack.a, "/auth/reset", {"email": email})
    assert response.status == 302
    message = stack.sink.wait_for(email)
    assert "Reset your Folio password" in str(message["Subject"])
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https?://\S+/auth/reset/\S+", body)
    assert link, body
    path = "/auth/reset/" + link.group(0).split("/auth/reset/", 1)[1]
    assert "folio.tasks.send_password_reset" in stack.log("worker")

    on_b = Browser()
    new_password = "a brand new stack passphrase"  # noqa: S105
    changed = on_b.submit(stack.b, path, {"password": new_password, "confirm": new_password})
    assert changed.status == 302, changed.text[:2000]
    signed_in = Browser().submit(stack.a, "/auth/login", {"email": email, "password": new_password})
    assert signed_in.status == 302
    # The link worked once.
    assert on_b.get(stack.b, path).status == 400
    # No log line (access logs, the app's JSON lines, the worker) carries the token.
    token = path.rsplit("/", 1)[1]
    logs = stack.log("a") + stack.log("b") + stack.log("worker")
    assert token not in logs
    assert "/auth/reset/[redacted]" in logs


def test_a_comment_on_b_is_mailed_to_the_author_with_a_working_unsubscribe_link(
    stack: Stack,
) -> None:
    author = Browser()
    name = register(author, stack.a)
    created = author.submit(
        stack.a,
        "/articles/new",
        {
            "title": f"Letters {name}",
            "description": "d",
            "body": "b",
            "tags": "",
            "action": "publish",
        },
    )
    path = urlsplit(created.header("Location") or "").path
    reader = Browser()
    register(reader, stack.b)
    commented = reader.submit(stack.b, f"{path}/comments", {"body": "Worth every word"}, page=path)
    assert commented.status == 302, commented.text[:2000]
    message = stack.sink.wait_for(f"{name}@example.com")
    body = message.get_payload(decode=True).decode()
    assert "Worth every word" in body
    # A long header is folded over lines: unfold it.
    unsubscribe = "".join(str(message["List-Unsubscribe"]).split()).strip("<>")
    assert "/unsubscribe/" in unsubscribe
    # RFC 8058 one-click: the mail client POSTs to the link, on whichever instance.
    done = Browser().request(stack.a, "POST", urlsplit(unsubscribe).path, form={})
    assert done.status == 200
    assert "will no longer get emails" in done.text


def _workers(master: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            children.add(int(stat.parent.name))
    return children


def test_a_killed_worker_is_replaced_and_no_request_is_lost(stack: Stack) -> None:
    master = stack.processes["a"].pid
    before = _workers(master)
    assert len(before) == 2
    results: list[int | str] = []
    stop = threading.Event()

    def load() -> None:
        browser = Browser()
        while not stop.is_set():
            try:
                results.append(browser.get(stack.a, "/api/health").status)
            except OSError as exc:  # a request in flight on the killed worker
                results.append(type(exc).__name__)

    thread = threading.Thread(target=load)
    thread.start()
    try:
        time.sleep(1)
        victim = sorted(before)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _workers(master)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.2)
        time.sleep(1)
    finally:
        stop.set()
        thread.join(timeout=30)
    after = _workers(master)
    assert victim not in after
    assert len(after) == 2
    failures = [r for r in results if r != 200]
    # Requests kept flowing through the kill and after the replacement.
    assert len(results) >= 20
    assert results[-5:] == [200] * 5
    # At most the one request the killed worker was serving.
    assert len(failures) <= 1, failures
