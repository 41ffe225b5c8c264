"""Two real Folio instances federating over HTTP on loopback, each with its own database
and public URL: a reader on B follows alice on A by handle, reads, likes and replies;
alice edits and deletes; forged, unsigned and replayed activities change nothing."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import make_server

from folio import create_app
from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.core.uow import unit_of_work
from folio.extensions import db
from folio.federation import keys, remote, signatures
from folio.federation.models import ReceivedActivity, RemoteComment, RemoteReaction
from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
AP = "application/activity+json"


@dataclass
class Instance:
    app: Flask
    url: str

    def run(self, work: Callable[[], Any]) -> Any:
        """``work`` in this instance's app context (no request: deliveries go at once)."""
        with self.app.app_context():
            return work()

    def count(self, model: type) -> int:
        return self.run(lambda: db.session.scalar(select(func.count()).select_from(model)))


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    started = []
    try:
        for name in ("a", "b"):
            app = create_app(
                "testing",
                {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}.db",
                    "MEDIA_ROOT": str(tmp_path / f"media-{name}"),
                    "FEDERATION_ALLOW_PRIVATE_ADDRESSES": True,
                },
            )
            with app.app_context():
                upgrade(directory=MIGRATIONS)
            server = make_server("127.0.0.1", 0, app, threaded=True)
            # Ids and links come from PUBLIC_URL, never from the Host header.
            app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            started.append((app, server, thread))
        yield (
            Instance(started[0][0], started[0][0].config["PUBLIC_URL"]),
            Instance(started[1][0], started[1][0].config["PUBLIC_URL"]),
        )
    finally:
        for app, server, thread in started:
            server.shutdown()
            thread.join(5)
            server.server_close()
            with app.app_context():
                db.engine.dispose()


class Browser:
    """One person's browser on one instance: its own cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(
        self, path: str, data: dict[str, str] | None = None, **headers: str
    ) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310 - loopback
        try:
            with self.opener.open(request, timeout=20) as response:  # noqa: S310 - loopback
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email: str) -> None:
        status, page = self.open("/auth/login", {"email": email, "password": TEST_PASSWORD})
        assert status == 200, page


def page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "the other instance did not get there in time"
            return result
        time.sleep(0.1)


def make_user(instance: Instance, username: str) -> None:
    def work() -> None:
        UserFactory(username=username, email=f"{username}@example.test")
        db.session.commit()

    instance.run(work)


def test_two_folio_instances_federate(instances: tuple[Instance, Instance]) -> None:
    a, b = instances
    make_user(a, "alice")
    make_user(b, "reader")
    host_a = a.url.removeprefix("http://")
    reader = Browser(b.url)
    reader.sign_in("reader@example.test")

    # The reader on B follows alice on A by her handle, and A accepts.
    status, page = reader.open("/federation/following", {"handle": f"@alice@{host_a}"})
    assert status == 200, page
    assert "@alice@127.0.0.1" in page_text(page)
    assert '<span class="badge badge--quiet">Requested</span>' in page
    accepted = '<span class="badge badge--ok">Following</span>'
    eventually(lambda: accepted in reader.open("/federation/following")[1])
    followers = json.loads(Browser(a.url).open("/users/alice/followers", Accept=AP)[1])
    assert followers["totalItems"] == 1

    # Alice publishes: the article arrives in the reader's Fediverse feed.
    def publish() -> str:
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        with unit_of_work() as uow:
            article = articles.create_article(
                uow.session, alice, title="Tea with the Hatter", description="A mad party",
                body="Twinkle, twinkle, **little bat**.", tags=["tea"], publish=True,
            )  # fmt: skip
        return article.slug

    slug = a.run(publish)
    feed = eventually(
        lambda: "Tea with the Hatter" in (p := reader.open("/feed/fediverse")[1]) and p
    )
    assert "<strong>little bat</strong>" in feed

    # Alice edits: B shows the update.
    def edit() -> None:
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        article = article_queries.find_article(db.session, slug)
        with unit_of_work() as uow:
            articles.update_article(uow.session, alice, article, {"body": "How I wonder."})

    a.run(edit)
    eventually(lambda: "How I wonder" in reader.open("/feed/fediverse")[1])

    # The reader likes and replies; A shows the like and the reply as a comment.
    post_id = re.search(r"/federation/posts/(\d+)/reply", reader.open("/feed/fediverse")[1])
    assert post_id is not None
    reader.open(f"/federation/posts/{post_id[1]}/like", {})
    reader.open(f"/federation/posts/{post_id[1]}/reply", {"body": "Why is a raven like a desk?"})
    anonymous_a = Browser(a.url)
    article_page = eventually(
        lambda: (
            "Why is a raven like a desk?" in (p := anonymous_a.open(f"/articles/{slug}")[1]) and p
        )
    )
    assert "1 like" in page_text(article_page)
    assert "@reader@127.0.0.1" in page_text(article_page)

    # A forged, an unsigned and a replayed activity change nothing on A.
    refused_and_replayed(a, b)

    # Alice deletes: the post leaves B's feed and A serves a Tombstone.
    def delete() -> None:
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        with unit_of_work() as uow:
            articles.delete_article(
                uow.session, alice, article_queries.find_article(uow.session, slug)
            )

    a.run(delete)
    eventually(lambda: "How I wonder" not in reader.open("/feed/fediverse")[1])
    status, body = Browser(a.url).open(f"/articles/{slug}", Accept=AP)
    assert status == 410
    assert json.loads(body)["type"] == "Tombstone"


def refused_and_replayed(a: Instance, b: Instance) -> None:
    inbox = f"{a.url}/users/alice/inbox"
    reader_uri = f"{b.url}/users/reader"
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{reader_uri}#likes/replayed",
        "type": "Like",
        "actor": reader_uri,
        "object": f"{a.url}/users/alice",
    }
    body = json.dumps(like).encode()

    def signed_by_reader() -> dict[str, str]:
        reader = db.session.scalar(select(User).where(User.username == "reader"))
        key = keys.ensure_key(db.session, reader.id, remote.fernet())
        private = keys.load_private(key, remote.fernet())
        return signatures.sign_request("POST", inbox, body, f"{reader_uri}#main-key", private)

    headers = {**b.run(signed_by_reader), "Content-Type": AP}
    before = (a.count(ReceivedActivity), a.count(RemoteReaction), a.count(RemoteComment))

    def send(extra: dict[str, str], data: bytes = body) -> int:
        request = urllib.request.Request(inbox, data=data, headers=extra, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert send({"Content-Type": AP}) == 401  # unsigned
    forged = {**headers, "Signature": headers["Signature"].replace('signature="', 'signature="AA')}
    assert send(forged) == 401
    assert send(headers, body.replace(b"replayed", b"tampered")) == 401
    assert (a.count(ReceivedActivity), a.count(RemoteReaction), a.count(RemoteComment)) == before
    # The genuine one is taken once; its replay is acknowledged and changes nothing.
    assert send(headers) == 202
    after_first = a.count(ReceivedActivity)
    assert send(headers) == 202
    assert a.count(ReceivedActivity) == after_first == before[0] + 1
