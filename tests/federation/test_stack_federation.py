"""The federation proof on the production stack: two Folio sites, each its own gunicorn,
Celery worker, PostgreSQL database, Redis database and public URL, federating over HTTP.

A reader on B follows an author on A by handle and is accepted; A publishes and the
article appears on B; A edits and B shows the update; B likes and replies, and A shows
the like and the reply as a comment; a forged or unsigned activity sent to A's inbox is
refused; A deletes and B shows it gone, A serving a Tombstone. Every delivery goes
through the workers (the web processes never send one)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.stack.conftest import (
    BIN,
    PG,
    Browser,
    _check_services,
    _flask,
    _wait_for_log,
    _wait_healthy,
    free_port,
    gunicorn_command,
    register,
    spawn,
    stop,
)

pytestmark = pytest.mark.stack
AP = "application/activity+json"


@dataclass
class Site:
    base: str
    log: Path


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, Site]]:
    import psycopg
    import redis

    logs = tmp_path_factory.mktemp("federation-stack")
    processes: list[subprocess.Popen[bytes]] = []
    databases: list[str] = []
    redis_urls: list[str] = []
    try:
        built = []
        for name in ("a", "b"):
            redis_url, number = _check_services()
            redis_urls.append(f"{redis_url}/{number}")
            database = f"folio_fed_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database}"')
            databases.append(database)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "FOLIO_"))},
                "FOLIO_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": f"{PG}/{database}",
                "REDIS_URL": redis_urls[-1],
                "TRUSTED_HOSTS": "127.0.0.1,localhost",
                "PUBLIC_URL": base,
                "FLASK_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
                "FLASK_MEDIA_ROOT": str(logs / f"{name}-media"),
                "WEB_CONCURRENCY": "2",
                "PYTHONUNBUFFERED": "1",
            }
            _flask(env, "db", "upgrade")
            web = spawn(gunicorn_command(port), env, logs / f"{name}.log")
            worker = spawn(
                [str(BIN / "celery"), "-A", "folio.tasks", "worker", "--loglevel=INFO",
                 "--concurrency=1", "--hostname", f"fed-{name}-{os.getpid()}@%h"],
                env, logs / f"{name}-worker.log",
            )  # fmt: skip
            processes += [web, worker]
            built.append(
                (Site(base, logs / f"{name}-worker.log"), web, worker, logs / f"{name}.log")
            )
        for site, web, worker, web_log in built:
            _wait_healthy(site.base, web, web_log)
            _wait_for_log(site.log, " ready.", worker)
        yield built[0][0], built[1][0]
    finally:
        for process in processes:
            stop(process)
        for url in redis_urls:
            redis.Redis.from_url(url).flushdb()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            for database in databases:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def eventually(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not in {timeout:.0f} s: {what}")
        time.sleep(0.3)


def test_two_production_sites_federate_through_their_workers(sites: tuple[Site, Site]) -> None:
    a, b = sites
    author, reader = Browser(), Browser()
    alice = register(author, a.base)
    register(reader, b.base)
    handle = f"@{alice}@{urlsplit(a.base).netloc}"

    followed = reader.submit(b.base, "/federation/following", {"handle": handle})
    assert followed.status == 302, followed.text[:2000]
    accepted = '<span class="badge badge--ok">Following</span>'
    eventually(lambda: accepted in reader.get(b.base, "/federation/following").text, "Accept")

    title = f"Tea {uuid.uuid4().hex[:6]}"
    created = author.submit(
        a.base,
        "/articles/new",
        {"title": title, "description": "A party", "body": "Twinkle **bat**.", "tags": "tea",
         "action": "publish"},
    )  # fmt: skip
    assert created.status == 302, created.text[:2000]
    path = urlsplit(created.header("Location") or "").path
    eventually(lambda: title in reader.get(b.base, "/feed/fediverse").text, "the Create")

    edited = author.submit(
        a.base,
        f"{path}/edit",
        {"title": title, "description": "A party", "body": "How I wonder.", "tags": "tea",
         "action": "save"},
    )  # fmt: skip
    assert edited.status == 302, edited.text[:2000]
    eventually(lambda: "How I wonder" in reader.get(b.base, "/feed/fediverse").text, "the Update")

    feed = reader.get(b.base, "/feed/fediverse").text
    post_id = re.search(r"/federation/posts/(\d+)/reply", feed)
    assert post_id is not None
    page = "/feed/fediverse"
    assert (
        reader.submit(b.base, f"/federation/posts/{post_id[1]}/like", {}, page=page).status == 302
    )
    replied = reader.submit(
        b.base, f"/federation/posts/{post_id[1]}/reply", {"body": "Why a raven?"}, page=page
    )
    assert replied.status == 302
    anonymous = Browser()
    eventually(lambda: "Why a raven?" in anonymous.get(a.base, path).text, "the reply on A")
    eventually(lambda: "1 like" in words(anonymous.get(a.base, path).text), "the like on A")

    activity = json.dumps(
        {"id": f"{b.base}/x", "type": "Like", "actor": f"{b.base}/users/x", "object": path}
    ).encode()
    for headers in (
        {"Content-Type": AP},
        {"Content-Type": AP, "Signature": f'keyId="{b.base}/users/x#main-key",signature="AAAA"'},
    ):
        refused = anonymous.request(a.base, "POST", "/inbox", body=activity, headers=headers)
        assert refused.status == 401

    deleted = author.submit(a.base, f"{path}/delete", {}, page=f"{path}/delete")
    assert deleted.status == 302, deleted.text[:2000]
    eventually(lambda: title not in reader.get(b.base, "/feed/fediverse").text, "the Delete")
    gone = anonymous.get(a.base, path, headers={"Accept": AP})
    assert gone.status == 410
    assert json.loads(gone.text)["type"] == "Tombstone"
    # The workers did the sending.
    assert "federation_deliver" in a.log.read_text(errors="replace")
    assert "federation_deliver" in b.log.read_text(errors="replace")
