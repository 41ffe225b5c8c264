"""The inboxes: Follow answered with Accept, Undo, likes and boosts, replies as comments;
every hostile input refused with nothing changed."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.federation import delivery, signatures
from folio.federation.models import (
    DomainBlock,
    ReceivedActivity,
    RemoteComment,
    RemoteFollower,
    RemoteReaction,
)
from folio.models import Article, User
from tests.factories import ArticleFactory, UserFactory
from tests.federation.conftest import RemoteServer
from tests.web.helpers import sign_in_through_the_session, text

ALICE = "http://localhost/users/alice"
INBOX = "http://localhost/users/alice/inbox"


def post(client: FlaskClient, remote: RemoteServer, activity: dict[str, Any], **kw: Any):
    name = kw.pop("as_", "bob")
    target = kw.pop("target", INBOX)
    body, headers = remote.signed(name, target, activity, **kw)
    return client.post(target.replace("http://localhost", ""), data=body, headers=headers)


def follow(remote: RemoteServer, number: int = 1, name: str = "bob") -> dict[str, Any]:
    actor = f"{remote.url}/users/{name}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}#follows/{number}",
        "type": "Follow",
        "actor": actor,
        "object": ALICE,
    }


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def bob(remote: RemoteServer) -> str:
    return remote.add_actor("bob")


@pytest.fixture
def article(alice: User) -> Article:
    return ArticleFactory(author=alice, slug="rabbit-hole", title="The rabbit hole")


def test_a_follow_is_stored_and_answered_with_a_signed_accept(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    response = post(client, remote, follow(remote))
    assert response.status_code == 202
    follower = session.scalars(select(RemoteFollower)).one()
    assert follower.remote_actor.uri == bob
    assert follower.remote_actor.handle == f"@bob@{remote.url.split('//')[1].split(':')[0]}"
    assert remote.received == []  # not in the request: the due-runner sends it
    assert delivery.deliver_due() == 1
    (accept,) = remote.received
    assert accept.path == "/users/bob/inbox"
    assert accept.body["type"] == "Accept"
    assert accept.body["actor"] == ALICE
    assert accept.body["object"]["id"] == follow(remote)["id"]
    headers = {k.lower(): v for k, v in accept.headers.items()}
    assert signatures.parse_signature(headers["signature"]).key_id == f"{ALICE}#main-key"
    assert headers["content-type"] == "application/activity+json"
    assert headers["digest"].startswith("SHA-256=")


def test_accept_signature_verifies_with_the_actors_published_key(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User
) -> None:
    import json

    post(client, remote, follow(remote))
    captured: dict[str, bytes] = {}
    real_fetch = delivery.fetch

    def capture(url: str, policy: Any, **kwargs: Any) -> Any:
        captured["body"], captured["url"] = kwargs["body"], url
        captured["headers"] = kwargs["headers"]
        return real_fetch(url, policy, **kwargs)

    delivery.fetch = capture  # type: ignore[assignment]
    try:
        delivery.deliver_due()
    finally:
        delivery.fetch = real_fetch  # type: ignore[assignment]
    pem = client.get("/users/alice", headers={"Accept": "application/activity+json"}).get_json()[
        "publicKey"
    ]["publicKeyPem"]
    headers = {k.lower(): v for k, v in captured["headers"].items()}
    key_id = signatures.verify_request(
        "POST", "/users/bob/inbox", headers, captured["body"], lambda _k, _r: pem, max_skew=60
    )
    assert key_id == f"{ALICE}#main-key"
    assert json.loads(captured["body"])["type"] == "Accept"


def test_a_replayed_follow_changes_nothing(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    assert post(client, remote, follow(remote)).status_code == 202
    assert post(client, remote, follow(remote)).status_code == 202
    assert count(session, RemoteFollower) == 1
    assert delivery.deliver_due() == 1  # one Accept, not two


def test_undo_follow_removes_the_follower(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    post(client, remote, follow(remote))
    undo = {"id": f"{bob}#undo/1", "type": "Undo", "actor": bob, "object": follow(remote)}
    assert post(client, remote, undo).status_code == 202
    assert count(session, RemoteFollower) == 0


def test_the_shared_inbox_takes_activities_too(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    response = post(client, remote, follow(remote), target="http://localhost/inbox")
    assert response.status_code == 202
    assert count(session, RemoteFollower) == 1


# --- hostile inputs: refused, nothing changes ----------------------------------------------


def assert_nothing_changed(session: Session) -> None:
    session.expire_all()
    assert count(session, RemoteFollower) == 0
    assert count(session, ReceivedActivity) == 0


def test_an_unsigned_activity_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    response = client.post("/users/alice/inbox", json=follow(remote))
    assert response.status_code == 401
    assert_nothing_changed(session)


def test_a_forged_signature_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    remote.add_actor("mallory")
    body, headers = remote.signed("mallory", INBOX, follow(remote))
    # Mallory's signature, claiming to be bob's key.
    headers["Signature"] = headers["Signature"].replace("/users/mallory#", "/users/bob#")
    response = client.post("/users/alice/inbox", data=body, headers=headers)
    assert response.status_code == 401
    assert_nothing_changed(session)


def test_a_tampered_body_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    body, headers = remote.signed("bob", INBOX, follow(remote))
    tampered = body.replace(b"follows/1", b"follows/2")
    response = client.post("/users/alice/inbox", data=tampered, headers=headers)
    assert response.status_code == 401
    assert_nothing_changed(session)


def test_a_stale_activity_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    old = datetime.now(UTC) - timedelta(hours=3)
    response = post(client, remote, follow(remote), now=old)
    assert response.status_code == 401
    assert_nothing_changed(session)


def test_an_activity_by_another_actor_than_the_signer_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    remote.add_actor("carol")
    # Signed by bob (a valid signature) but claiming to come from carol.
    response = post(client, remote, follow(remote, name="carol"), as_="bob")
    assert response.status_code == 401
    assert_nothing_changed(session)


def test_a_huge_body_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    activity = {**follow(remote), "padding": "x" * 300_000}
    response = post(client, remote, activity)
    assert response.status_code == 413
    assert_nothing_changed(session)


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"type": "Follow"}', b'{"id": 1, "type": "x", "actor": 2}']
)
def test_bodies_that_are_not_activities_are_refused(
    client: FlaskClient, bob: str, alice: User, session: Session, body: bytes
) -> None:
    response = client.post(
        "/users/alice/inbox", data=body, headers={"Content-Type": "application/activity+json"}
    )
    assert response.status_code == 400
    assert_nothing_changed(session)


def test_a_blocked_domain_is_refused(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    session.add(DomainBlock(domain="127.0.0.1"))
    response = post(client, remote, follow(remote))
    assert response.status_code == 403
    assert_nothing_changed(session)


def test_an_unknown_local_actor_is_404(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    target = "http://localhost/users/nobody/inbox"
    assert post(client, remote, follow(remote), target=target).status_code == 404
    assert_nothing_changed(session)


# --- likes, boosts, replies -----------------------------------------------------------------


def like(remote: RemoteServer, kind: str = "Like", number: int = 1) -> dict[str, Any]:
    bob = f"{remote.url}/users/bob"
    return {
        "id": f"{bob}#{kind.lower()}s/{number}",
        "type": kind,
        "actor": bob,
        "object": "http://localhost/articles/rabbit-hole",
        "to": ["as:Public"],
    }


def test_likes_and_boosts_are_counted_apart_from_favorites(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    assert post(client, remote, like(remote)).status_code == 202
    assert post(client, remote, like(remote, "Announce")).status_code == 202
    assert post(client, remote, like(remote, number=2)).status_code == 202  # a second like
    counts = dict(session.execute(select(RemoteReaction.kind, func.count()).group_by("kind")).all())
    assert counts == {"like": 1, "announce": 1}
    session.refresh(article)
    assert article.favorites_count == 0
    page = text(client.get("/articles/rabbit-hole"))
    assert "1 like · 1 boost" in page
    undo = {"id": f"{bob}#undo/9", "type": "Undo", "actor": bob, "object": like(remote)}
    post(client, remote, undo)
    assert "0 likes · 1 boost" in text(client.get("/articles/rabbit-hole"))


def png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def reply(remote: RemoteServer, content: str, number: int = 1, kind: str = "Create") -> dict:
    bob = f"{remote.url}/users/bob"
    note = {
        "id": f"{bob}/statuses/{number}",
        "type": "Note",
        "attributedTo": bob,
        "inReplyTo": "http://localhost/articles/rabbit-hole",
        "content": content,
        "url": f"{remote.url}/@bob/{number}",
        "published": "2026-12-01T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    return {
        "id": f"{bob}/statuses/{number}/{kind.lower()}",
        "type": kind,
        "actor": bob,
        "object": note,
    }


def test_a_reply_becomes_a_comment_by_a_remote_author_and_follows_its_edits(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    hostile = (
        '<p>Lovely <script>alert(1)</script><a href="javascript:x()" onclick="y()">hole</a></p>'
    )
    assert post(client, remote, reply(remote, hostile)).status_code == 202
    comment = session.scalars(select(RemoteComment)).one()
    assert "script" not in comment.content_html
    assert "javascript" not in comment.content_html
    assert "onclick" not in comment.content_html
    page = client.get("/articles/rabbit-hole").text
    assert "Lovely" in page
    assert f'href="{remote.url}/@bob"' in page  # a link to their profile
    # Their avatar, through Folio (the CSP loads no third-party images).
    avatar = f"/federation/actors/{comment.remote_actor_id}/avatar"
    assert f'src="{avatar}"' in page
    assert client.get(avatar).status_code == 404  # the fake server has no such picture yet
    remote.files["/bob.png"] = ("image/png", png(600, 400))
    picture = client.get(avatar)
    assert picture.status_code == 200
    assert picture.mimetype == "image/png"
    from PIL import Image

    assert Image.open(io.BytesIO(picture.data)).size == (128, 128)  # re-encoded, square
    post(client, remote, reply(remote, "<p>Edited reply</p>", kind="Update"))
    assert "Edited reply" in text(client.get("/articles/rabbit-hole"))
    delete = {"id": f"{bob}#delete/1", "type": "Delete", "actor": bob, "object": comment.object_id}
    post(client, remote, delete)
    assert "Edited reply" not in text(client.get("/articles/rabbit-hole"))


def test_a_reply_put_in_someone_elses_mouth_is_ignored(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    activity = reply(remote, "<p>I said this</p>")
    activity["object"]["attributedTo"] = f"{remote.url}/users/carol"
    assert post(client, remote, activity).status_code == 202
    assert count(session, RemoteComment) == 0


def test_replies_can_be_held_for_moderation_and_removed_by_the_author(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, article: Article,
    session: Session,
) -> None:  # fmt: skip
    client.application.config["FEDERATION_HOLD_REMOTE_COMMENTS"] = True
    post(client, remote, reply(remote, "<p>Please approve me</p>"))
    assert "Please approve me" not in text(client.get("/articles/rabbit-hole"))
    comment = session.scalars(select(RemoteComment)).one()
    stranger = UserFactory(username="stranger")
    sign_in_through_the_session(client, stranger)
    assert client.post(f"/federation/comments/{comment.id}/approve").status_code == 403
    sign_in_through_the_session(client, alice)
    assert "Held for moderation" in text(client.get("/articles/rabbit-hole"))
    client.post(f"/federation/comments/{comment.id}/approve")
    client.get("/auth/logout")
    with client.session_transaction() as browser:
        browser.clear()
    assert "Please approve me" in text(client.get("/articles/rabbit-hole"))
    sign_in_through_the_session(client, alice)
    assert client.post(f"/federation/comments/{comment.id}/delete").status_code == 302
    assert count(session, RemoteComment) == 0


def test_a_blocked_domain_s_comments_are_hidden(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    post(client, remote, reply(remote, "<p>Buy pills</p>"))
    assert "Buy pills" in text(client.get("/articles/rabbit-hole"))
    admin = UserFactory(username="root", admin=True)
    sign_in_through_the_session(client, admin)
    response = client.post("/admin/federation/blocks", data={"domain": "127.0.0.1"})
    assert response.status_code == 302
    assert "127.0.0.1" in text(client.get("/admin/federation/blocks"))
    assert "Buy pills" not in text(client.get("/articles/rabbit-hole"))
    assert post(client, remote, reply(remote, "<p>More pills</p>", 2)).status_code == 403


def test_domain_blocks_are_for_admins_and_names_are_checked(
    client: FlaskClient, alice: User
) -> None:
    sign_in_through_the_session(client, alice)
    assert client.get("/admin/federation/blocks").status_code == 403
    admin = UserFactory(username="root", admin=True)
    sign_in_through_the_session(client, admin)
    response = client.post("/admin/federation/blocks", data={"domain": "not a domain/"})
    assert response.status_code == 422
    assert "is not a host name" in text(response)


@pytest.mark.parametrize(
    ("audience", "shown"),
    [
        ({"to": ["https://www.w3.org/ns/activitystreams#Public"]}, True),  # Mastodon
        ({"to": ["as:Public"]}, True),  # Fedify (Ghost)
        ({"cc": "Public"}, True),
        ({"to": [ALICE]}, False),  # a direct message is never a public comment
        ({"to": ["http://127.0.0.1/users/bob/followers"]}, False),
    ],
)
def test_only_public_replies_become_comments(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session,
    audience: dict[str, Any], shown: bool,
) -> None:  # fmt: skip
    activity = reply(remote, "<p>Addressed</p>")
    activity["object"].pop("to")
    activity["object"].update(audience)
    assert post(client, remote, activity).status_code == 202
    assert count(session, RemoteComment) == (1 if shown else 0)


def test_a_proxy_passing_another_host_header_does_not_break_signatures(
    client: FlaskClient, remote: RemoteServer, bob: str, alice: User, session: Session
) -> None:
    # Signed for the public host (PUBLIC_URL); received with the upstream's Host.
    assert post(client, remote, follow(remote), Host="folio-upstream:8000").status_code == 202
    assert count(session, RemoteFollower) == 1


def test_a_reply_makes_the_cached_article_page_stale(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    client.application.config["PUBLIC_CACHE"] = True
    anonymous = client.application.test_client()
    session.commit()
    anonymous.get("/articles/rabbit-hole")
    assert anonymous.get("/articles/rabbit-hole").headers["X-Folio-Cache"] == "hit"
    post(client, remote, reply(remote, "<p>Fresh reply</p>"))
    assert "Fresh reply" in anonymous.get("/articles/rabbit-hole").text


def test_a_blocked_parent_domain_hides_its_subdomains_and_gets_nothing(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    from folio.federation import queries
    from folio.federation import rules as federation_rules

    post(client, remote, reply(remote, "<p>From a subdomain</p>"))
    post(client, remote, follow(remote))
    actor = session.scalars(select(RemoteComment)).one().remote_actor
    actor.domain = "mail.spam.example"  # as if it lived on a subdomain
    session.add(DomainBlock(domain="spam.example"))
    session.commit()
    assert queries.remote_comments(session, article.id, with_held=True) == []
    assert federation_rules.follower_inboxes(session, article.author_id) == []


def test_a_deleted_account_is_forgotten_with_its_follows_and_replies(
    client: FlaskClient, remote: RemoteServer, bob: str, article: Article, session: Session
) -> None:
    post(client, remote, follow(remote))
    post(client, remote, reply(remote, "<p>Soon gone</p>"))
    del remote.documents["/users/bob"]  # the account is gone: its document answers 404
    delete = {"id": f"{bob}#delete", "type": "Delete", "actor": bob, "object": bob}
    assert post(client, remote, delete).status_code == 202
    assert count(session, RemoteFollower) == 0
    assert count(session, RemoteComment) == 0
