"""Every term in Folio's JSON-LD documents is defined by the contexts they name: the
ActivityStreams 2.0 vocabulary, the security vocabulary (publicKey), or the extension
object Folio adds (as Mastodon does). An undefined term would be dropped by any JSON-LD
processor, so a remote server would never see it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from folio.federation.documents import AS_CONTEXT, EXTENSIONS, SECURITY_CONTEXT
from folio.models import User
from tests.factories import ArticleFactory

# Terms of https://www.w3.org/ns/activitystreams that Folio's documents may use.
ACTIVITY_STREAMS = {
    "id", "type", "actor", "object", "to", "cc", "name", "summary", "content", "mediaType",
    "url", "href", "attributedTo", "published", "updated", "tag", "attachment", "icon",
    "inReplyTo", "inbox", "outbox", "followers", "following", "endpoints", "sharedInbox",
    "preferredUsername", "totalItems", "first", "next", "partOf", "orderedItems",
    "formerType", "deleted",
}  # fmt: skip
ACTIVITY_TYPES = {
    "Person", "Article", "Note", "Image", "Create", "Update", "Delete", "Follow", "Accept",
    "Undo", "Like", "Tombstone", "OrderedCollection", "OrderedCollectionPage",
}  # fmt: skip
SECURITY = {"publicKey", "owner", "publicKeyPem"}


def terms(document: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            if key != "@context":
                found.add(key)
                found |= terms(value)
        if isinstance(document.get("type"), str):
            found.add("type:" + document["type"])
    elif isinstance(document, list):
        for item in document:
            found |= terms(item)
    return found


def assert_defined(document: dict[str, Any]) -> None:
    assert document["@context"] == [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]
    known = ACTIVITY_STREAMS | SECURITY | set(EXTENSIONS)
    types = ACTIVITY_TYPES | {name for name in EXTENSIONS if name[0].isupper()}
    for term in terms(document):
        if term.startswith("type:"):
            assert term[5:] in types, term
        else:
            assert term in known, term


def test_every_document_uses_defined_terms(client: FlaskClient, alice: User) -> None:
    ArticleFactory(
        author=alice,
        slug="vocab",
        tags=["words"],
        body="![x](/media/images/" + "c" * 64 + "/original.png)",
    )
    ap = {"Accept": "application/activity+json"}
    for path in (
        "/users/alice",
        "/articles/vocab",
        "/users/alice/outbox",
        "/users/alice/outbox?page=1",
        "/users/alice/followers",
        "/users/alice/following",
    ):
        response = client.get(path, headers=ap)
        assert response.status_code == 200, path
        assert_defined(response.get_json())
