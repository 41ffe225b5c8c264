"""Following the fediverse from Folio: by handle through WebFinger; the followed
account's posts in the reader's Fediverse feed, sanitised; unfollowing sends Undo."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.federation import delivery
from folio.federation.models import RemoteFollowing, RemotePost
from folio.models import User
from tests.federation.conftest import RemoteServer
from tests.web.helpers import sign_in_through_the_session, text


@pytest.fixture
def bob(remote: RemoteServer) -> str:
    uri = remote.add_actor("bob")
    host = remote.url.removeprefix("http://")
    remote.documents[f"/.well-known/webfinger?resource=acct:bob@{host}"] = {
        "subject": f"acct:bob@{host}",
        "links": [{"rel": "self", "type": "application/activity+json", "href": uri}],
    }
    return uri


@pytest.fixture
def reader(client: FlaskClient, alice: User) -> User:
    sign_in_through_the_session(client, alice)
    return alice


def handle(remote: RemoteServer) -> str:
    return f"@bob@{remote.url.removeprefix('http://')}"


def test_following_by_handle_sends_a_follow_and_waits_for_accept(
    client: FlaskClient, remote: RemoteServer, bob: str, reader: User, session: Session
) -> None:
    response = client.post("/federation/following", data={"handle": handle(remote)})
    assert response.status_code == 302
    entry = session.scalars(select(RemoteFollowing)).one()
    assert entry.remote_actor.uri == bob
    assert not entry.accepted
    assert "Requested" in text(client.get("/federation/following"))
    delivery.deliver_due()
    (follow,) = remote.received
    assert follow.path == "/users/bob/inbox"
    assert follow.body["type"] == "Follow"
    assert follow.body["object"] == bob
    assert follow.body["actor"] == "http://localhost/users/alice"


@pytest.mark.parametrize("value", ["", "bob", "@bob", "bob@", "http://x.example/@bob", "@a@b c"])
def test_a_malformed_handle_is_named_on_the_form(
    client: FlaskClient, reader: User, value: str
) -> None:
    response = client.post("/federation/following", data={"handle": value})
    assert response.status_code == 422
    assert "is not a handle such as @someone@social.example" in text(response)


def test_a_handle_that_does_not_resolve_is_named_on_the_form(
    client: FlaskClient, remote: RemoteServer, reader: User
) -> None:
    response = client.post(
        "/federation/following", data={"handle": f"@ghost@{remote.url.removeprefix('http://')}"}
    )
    assert response.status_code == 422
    assert "could not be found on its server" in text(response)


def test_private_addresses_are_refused_unless_allowed(
    client: FlaskClient, remote: RemoteServer, bob: str, reader: User
) -> None:
    client.application.config["FEDERATION_ALLOW_PRIVATE_ADDRESSES"] = False
    response = client.post("/federation/following", data={"handle": handle(remote)})
    assert response.status_code == 422


def create(remote: RemoteServer, content: str, number: int = 1, **extra: Any) -> dict[str, Any]:
    bob = f"{remote.url}/users/bob"
    note = {
        "id": f"{bob}/statuses/{number}",
        "type": "Note",
        "attributedTo": bob,
        "content": content,
        "published": "2026-12-01T10:00:00Z",
        "to": ["as:Public"],
        **extra,
    }
    return {"id": f"{note['id']}/activity", "type": "Create", "actor": bob, "object": note}


def deliver(client: FlaskClient, remote: RemoteServer, activity: dict[str, Any]) -> int:
    body, headers = remote.signed("bob", "http://localhost/inbox", activity)
    return client.post("/inbox", data=body, headers=headers).status_code


def test_posts_of_followed_accounts_reach_the_fediverse_feed_sanitised(
    client: FlaskClient, remote: RemoteServer, bob: str, reader: User, session: Session
) -> None:
    client.post("/federation/following", data={"handle": handle(remote)})
    delivery.deliver_due()
    follow_id = remote.received[0].body["id"]
    accept = {"id": f"{bob}#accepts/1", "type": "Accept", "actor": bob, "object": follow_id}
    assert deliver(client, remote, accept) == 202
    assert session.scalars(select(RemoteFollowing)).one().accepted
    hostile = '<p>Hi <img src=x onerror="alert(1)"><script>steal()</script><b>there</b></p>'
    assert deliver(client, remote, create(remote, hostile)) == 202
    page = client.get("/feed/fediverse")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    html = page.text
    assert "<b>there</b>" in html
    assert "onerror" not in html
    assert "steal()" not in html
    assert handle(remote).split(":")[0] in text(page)


def test_posts_of_accounts_nobody_follows_are_not_kept(
    client: FlaskClient, remote: RemoteServer, bob: str, reader: User, session: Session
) -> None:
    assert deliver(client, remote, create(remote, "<p>Unsolicited</p>")) == 202
    assert session.scalars(select(RemotePost)).all() == []


def test_unfollowing_sends_undo(
    client: FlaskClient, remote: RemoteServer, bob: str, reader: User, session: Session
) -> None:
    client.post("/federation/following", data={"handle": handle(remote)})
    entry = session.scalars(select(RemoteFollowing)).one()
    response = client.post(f"/federation/following/{entry.remote_actor_id}/delete")
    assert response.status_code == 302
    assert session.scalars(select(RemoteFollowing)).all() == []
    delivery.deliver_due()
    assert [p.body["type"] for p in remote.received] == ["Follow", "Undo"]
    assert remote.received[1].body["object"]["type"] == "Follow"


def test_the_fediverse_pages_need_an_account(client: FlaskClient) -> None:
    assert client.get("/feed/fediverse").status_code == 302
    assert client.get("/federation/following").status_code == 302
    assert client.get("/federation/deliveries").status_code == 302
