"""An article declares the language it is written in: the API takes and answers it, the
Atom feed and the ActivityPub document say it, whatever the reader's interface language."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.api.conftest import Account, assert_error

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = "{http://www.w3.org/2005/Atom}"
AP = "application/activity+json"


def _publish(client: FlaskClient, author: Account, **fields: object) -> dict:
    body = {"title": "Zugspitze", "description": "Gipfel", "body": "Hoch oben.", "publish": True}
    response = client.post("/api/v1/articles", json={**body, **fields}, headers=author.headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def test_a_language_tag_is_kept_tidy_and_answered(client: FlaskClient, alice: Account) -> None:
    article = _publish(client, alice, language="pt_br")
    assert article["language"] == "pt-BR"
    slug = article["slug"]
    changed = client.patch(
        f"/api/v1/articles/{slug}", json={"language": "de"}, headers=alice.headers
    ).get_json()
    assert changed["language"] == "de"
    cleared = client.patch(
        f"/api/v1/articles/{slug}", json={"language": ""}, headers=alice.headers
    ).get_json()
    assert cleared["language"] is None
    assert _publish(client, alice, title="Ohne")["language"] is None


def test_a_malformed_language_is_refused_by_name_and_changes_nothing(
    client: FlaskClient, alice: Account
) -> None:
    for bad in ("deutsch!", "x", "en-", "<script>", "a" * 36):
        response = client.post(
            "/api/v1/articles",
            json={"title": "Nein", "language": bad},
            headers=alice.headers,
        )
        assert_error(response, 422, "language")
    listed = client.get("/api/v1/articles?author=alice").get_json()
    assert listed["items"] == []


def test_feeds_and_activitypub_declare_the_article_language(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = _publish(client, alice, language="de")["slug"]
    _publish(client, alice, title="Sans langue")
    feed = ET.fromstring(client.get("/atom.xml").data)  # noqa: S314 - our own output
    assert feed.get(XML_LANG) == "en"
    languages = {
        entry.findtext(f"{ATOM}title"): entry.get(XML_LANG) for entry in feed.iter(f"{ATOM}entry")
    }
    assert languages == {"Zugspitze": "de", "Sans langue": None}
    document = client.get(f"/articles/{slug}", headers={"Accept": AP}).get_json()
    assert document["contentMap"] == {"de": document["content"]}
    assert document["nameMap"] == {"de": "Zugspitze"}


def test_the_article_page_marks_its_own_language_apart_from_the_interface(
    client: FlaskClient, alice: Account
) -> None:
    slug = _publish(client, alice, language="de", body="## Gipfel\n\nHoch oben.")["slug"]
    html = client.get(f"/articles/{slug}", headers={"Accept-Language": "es"}).text
    assert '<html lang="es">' in html
    assert '<h1 id="article-title" lang="de">Zugspitze</h1>' in html
    assert '<div class="prose" lang="de">' in html
    plain = _publish(client, alice, title="Ohne")["slug"]
    assert '<div class="prose">' in client.get(f"/articles/{plain}").text
