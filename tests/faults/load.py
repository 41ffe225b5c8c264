"""Writers that load Folio while a fault happens, and what they were answered.

Each writer is its own account with its own client address and posts articles through
/api/v1, each titled with a marker used once. A write is *acknowledged* when Folio
answered it 2xx; every acknowledged write must then be in the database exactly once, and
no marker (acknowledged or not) more than once. A write that got no answer (the
connection refused or reset, as when a worker dies under it) is the client's to retry
and may or may not have happened, so only its count is checked.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.stack.conftest import Browser

PASSWORD = "a long fault-suite passphrase"  # noqa: S105 - a test account's password
WRITERS = 3
# Between one writer's writes: enough load to hit a fault mid-request on 2 shared cores.
PACE = 0.05
# Bounds, so a fault that makes Folio hang cannot hang the suite.
MAX_WRITES = 1500
JOIN_TIMEOUT = 40.0


@dataclass(frozen=True)
class Author:
    username: str
    token: str
    browser: Browser


@dataclass(frozen=True)
class Answer:
    marker: str
    started: float
    finished: float
    status: int | None  # None: no HTTP answer at all
    retry_after: str | None = None
    body: str = ""
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        what = f"{self.status}" if self.status is not None else f"no answer ({self.error})"
        return f"POST /api/v1/articles {self.marker!r} -> {what} {self.body.strip()[:300]}"


def sign_up(base: str, tag: str) -> Author:
    """A new account and an access token for it, each from its own client address."""
    browser = Browser()
    name = f"w{tag}{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    made = browser.request(
        base, "POST", "/api/v1/users", json_body=json.dumps({"username": name, **credentials})
    )
    assert made.status == 201, made.text[:500]
    signed = browser.request(base, "POST", "/api/v1/auth/tokens", json_body=json.dumps(credentials))
    assert signed.status == 201, signed.text[:500]
    return Author(name, json.loads(signed.text)["access_token"], browser)


def write(base: str, author: Author, marker: str, clock: Callable[[], float]) -> Answer:
    article = {
        "title": marker,
        "description": "Written under a fault",
        "body": f"Marker {marker}.",
        "tags": ["faults"],
        "publish": True,
    }
    started = clock()
    try:
        response = author.browser.request(
            base,
            "POST",
            "/api/v1/articles",
            json_body=json.dumps(article),
            headers={"Authorization": f"Bearer {author.token}"},
        )
    except (OSError, http.client.HTTPException) as exc:
        return Answer(marker, started, clock(), None, error=f"{type(exc).__name__}: {exc}")
    return Answer(
        marker,
        started,
        clock(),
        response.status,
        response.header("Retry-After"),
        "" if 200 <= response.status < 300 else response.text,
    )


class Load:
    """``WRITERS`` threads writing to ``base`` until :meth:`stop`."""

    def __init__(self, base: str, authors: list[Author], phase: str) -> None:
        self.base = base
        self.prefix = f"fault-{phase}-{uuid.uuid4().hex[:6]}-"
        self.answers: list[Answer] = []
        self._authors = authors
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._zero = time.monotonic()
        self._threads = [
            threading.Thread(target=self._run, args=(author,), daemon=True) for author in authors
        ]

    def now(self) -> float:
        return time.monotonic() - self._zero

    def _run(self, author: Author) -> None:
        for number in range(MAX_WRITES):
            if self._stopping.is_set():
                return
            answer = write(self.base, author, f"{self.prefix}{author.username}-{number}", self.now)
            with self._lock:
                self.answers.append(answer)
            self._stopping.wait(PACE)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in self._threads if t.is_alive()]
        assert not stuck, f"writers still waiting for an answer after {JOIN_TIMEOUT} s"

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def acknowledged_since(self, moment: float) -> bool:
        return any(a.acknowledged and a.started >= moment for a in self.snapshot())

    def statuses(self) -> Counter[int | None]:
        return Counter(a.status for a in self.snapshot())


@contextmanager
def writing(base: str, authors: list[Author], phase: str) -> Iterator[Load]:
    load = Load(base, authors, phase)
    load.start()
    try:
        yield load
    finally:
        load.stop()
