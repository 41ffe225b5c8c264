"""Discovery and documents: WebFinger, NodeInfo, host-meta, the actor, the article,
content negotiation and the public cache, collections, tombstones."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.federation.documents import PUBLIC
from folio.models import User
from tests.factories import ArticleFactory, UserFactory

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_webfinger_finds_an_author_by_acct_on_the_public_host(
    client: FlaskClient, alice: User
) -> None:
    response = client.get("/.well-known/webfinger?resource=acct:alice@localhost")
    assert response.status_code == 200
    assert response.mimetype == "application/jrd+json"
    document = response.get_json()
    assert document["subject"] == "acct:alice@localhost"
    self_link = next(link for link in document["links"] if link["rel"] == "self")
    assert self_link == {"rel": "self", "type": AP, "href": "http://localhost/users/alice"}


def test_webfinger_refuses_other_hosts_and_unknown_people(client: FlaskClient, alice: User) -> None:
    assert client.get("/.well-known/webfinger?resource=acct:alice@evil.example").status_code == 404
    assert client.get("/.well-known/webfinger?resource=acct:nobody@localhost").status_code == 404
    assert client.get("/.well-known/webfinger").status_code == 404


def test_the_public_url_not_the_host_header_makes_ids(fed_app: Flask, alice: User) -> None:
    fed_app.config["PUBLIC_URL"] = "https://blog.example"
    client = fed_app.test_client()
    response = client.get(
        "/.well-known/webfinger?resource=acct:alice@blog.example",
        headers={"Host": "localhost"},
    )
    assert response.get_json()["links"][0]["href"] == "https://blog.example/users/alice"
    actor = client.get("/users/alice", headers={"Accept": AP}).get_json()
    assert actor["id"] == "https://blog.example/users/alice"


def test_nodeinfo_and_host_meta(client: FlaskClient, alice: User) -> None:
    ArticleFactory(author=alice)
    index = client.get("/.well-known/nodeinfo").get_json()
    assert index["links"][0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    info = client.get("/nodeinfo/2.1").get_json()
    assert info["version"] == "2.1"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["localPosts"] >= 1
    host_meta = client.get("/.well-known/host-meta")
    assert 'template="http://localhost/.well-known/webfinger?resource={uri}"' in host_meta.text


def test_the_actor_is_a_person_with_a_key_made_once(client: FlaskClient, alice: User) -> None:
    actor = client.get("/users/alice", headers={"Accept": AP})
    assert actor.status_code == 200
    assert actor.mimetype == AP
    document = actor.get_json()
    assert document["type"] == "Person"
    assert document["id"] == "http://localhost/users/alice"
    assert document["preferredUsername"] == "alice"
    assert document["name"] == "Alice Liddell"
    assert document["summary"] == "<p>Writes about rabbits.</p>"
    assert document["url"] == "http://localhost/@alice"
    for name in ("inbox", "outbox", "followers", "following"):
        assert document[name] == f"http://localhost/users/alice/{name}"
    assert document["endpoints"]["sharedInbox"] == "http://localhost/inbox"
    key = document["publicKey"]
    assert key["id"] == "http://localhost/users/alice#main-key"
    assert key["owner"] == document["id"]
    assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    again = client.get("/users/alice", headers={"Accept": AP}).get_json()
    assert again["publicKey"]["publicKeyPem"] == key["publicKeyPem"]


def test_the_private_key_is_stored_encrypted(
    client: FlaskClient, alice: User, session: Session
) -> None:
    from folio.federation.models import ActorKey

    client.get("/users/alice", headers={"Accept": AP})
    stored = session.get(ActorKey, alice.id)
    assert stored is not None
    assert "PRIVATE KEY" not in stored.private_encrypted


def test_an_avatar_becomes_the_icon(client: FlaskClient, session: Session) -> None:
    UserFactory(username="pic", avatar_key="avatars/" + "a" * 64 + "/original.png")
    document = client.get("/@pic", headers={"Accept": AP}).get_json()
    assert document["icon"] == {
        "type": "Image",
        "mediaType": "image/png",
        "url": "http://localhost/media/avatars/" + "a" * 64 + "/original.png",
    }


def test_the_article_document(client: FlaskClient, alice: User) -> None:
    image = "/media/images/" + "b" * 64 + "/original.jpg"
    article = ArticleFactory(
        author=alice,
        title="Down the hole",
        slug="down-the-hole",
        description="A fall",
        body=f"It was **deep**.\n\n![a rabbit]({image})",
        tags=["rabbits", "holes"],
    )
    response = client.get("/articles/down-the-hole", headers={"Accept": LD})
    assert response.status_code == 200
    assert response.mimetype == AP
    document = response.get_json()
    assert document["@context"][0] == "https://www.w3.org/ns/activitystreams"
    assert document["type"] == "Article"
    assert document["id"] == document["url"] == "http://localhost/articles/down-the-hole"
    assert document["name"] == "Down the hole"
    assert document["summary"] == "A fall"
    assert "<strong>deep</strong>" in document["content"]
    assert document["content"] == article.body_html
    assert document["attributedTo"] == "http://localhost/users/alice"
    assert document["published"].endswith("Z")
    assert document["updated"].endswith("Z")
    assert document["to"] == [PUBLIC]
    assert document["cc"] == ["http://localhost/users/alice/followers"]
    assert {tag["name"] for tag in document["tag"]} == {"#rabbits", "#holes"}
    assert all(tag["type"] == "Hashtag" for tag in document["tag"])
    assert document["attachment"] == [
        {"type": "Image", "mediaType": "image/jpeg", "url": f"http://localhost{image}", "name": ""}
    ]


def test_a_browser_gets_the_page_and_both_vary_on_accept(client: FlaskClient, alice: User) -> None:
    ArticleFactory(author=alice, slug="page-or-json")
    page = client.get("/articles/page-or-json", headers={"Accept": BROWSER})
    assert page.mimetype == "text/html"
    assert "Accept" in page.headers["Vary"]
    document = client.get("/articles/page-or-json", headers={"Accept": AP})
    assert document.mimetype == AP
    assert "Accept" in document.headers["Vary"]
    profile = client.get("/@alice", headers={"Accept": BROWSER})
    assert profile.mimetype == "text/html"
    assert client.get("/users/alice", headers={"Accept": BROWSER}).status_code == 302


def test_drafts_are_not_documents(client: FlaskClient, alice: User) -> None:
    ArticleFactory(author=alice, slug="secret", draft=True)
    assert client.get("/articles/secret", headers={"Accept": AP}).status_code == 404


def test_the_public_cache_never_serves_one_representation_for_the_other(
    fed_app: Flask, alice: User, session: Session
) -> None:
    ArticleFactory(author=alice, slug="cached")
    session.commit()
    fed_app.config["PUBLIC_CACHE"] = True
    client = fed_app.test_client()
    for _ in range(2):  # a miss each, then a hit each
        page = client.get("/articles/cached", headers={"Accept": BROWSER})
        document = client.get("/articles/cached", headers={"Accept": AP})
        assert page.mimetype == "text/html"
        assert page.text.lstrip().startswith("<!doctype html>")
        assert document.mimetype == AP
        assert document.get_json()["type"] == "Article"
    assert page.headers["X-Folio-Cache"] == "hit"
    assert document.headers["X-Folio-Cache"] == "hit"


def test_the_outbox_pages_published_articles_newest_first(client: FlaskClient, alice: User) -> None:
    for number in range(3):
        ArticleFactory(author=alice, slug=f"piece-{number}")
    ArticleFactory(author=alice, slug="draft-piece", draft=True)
    client.application.config["FEDERATION_OUTBOX_PAGE_SIZE"] = 2
    outbox = client.get("/users/alice/outbox").get_json()
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 3
    first = client.get(outbox["first"].replace("http://localhost", "")).get_json()
    assert first["type"] == "OrderedCollectionPage"
    assert [item["type"] for item in first["orderedItems"]] == ["Create", "Create"]
    assert first["orderedItems"][0]["object"]["id"].endswith("/articles/piece-2")
    second = client.get(first["next"].replace("http://localhost", "")).get_json()
    assert [item["object"]["id"].rsplit("/", 1)[1] for item in second["orderedItems"]] == [
        "piece-0"
    ]
    assert "next" not in second


def test_followers_and_following_collections(client: FlaskClient, alice: User) -> None:
    followers = client.get("/users/alice/followers").get_json()
    assert followers == {
        "@context": followers["@context"],
        "id": "http://localhost/users/alice/followers",
        "type": "OrderedCollection",
        "totalItems": 0,
    }
    assert client.get("/users/alice/following").get_json()["totalItems"] == 0
    assert client.get("/users/nobody/followers").status_code == 404


def test_federation_off_hides_everything(fed_app: Flask, client: FlaskClient, alice: User) -> None:
    ArticleFactory(author=alice, slug="quiet")
    fed_app.config["FEDERATION_ENABLED"] = False
    assert client.get("/.well-known/webfinger?resource=acct:alice@localhost").status_code == 404
    assert client.get("/users/alice", headers={"Accept": AP}).status_code == 404
    assert client.get("/articles/quiet", headers={"Accept": AP}).mimetype == "text/html"
    assert client.post("/inbox", json={}).status_code == 404


def test_the_profile_page_shows_the_fediverse_handle(client: FlaskClient, alice: User) -> None:
    page = client.get("/@alice", headers={"Accept": BROWSER})
    assert "@alice@localhost" in page.text
