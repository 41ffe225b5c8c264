"""Atom feeds, the sitemap and robots.txt: published articles only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import ArticleFactory, UserFactory

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _titles(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)  # noqa: S314 - our own output
    return [e.findtext(f"{ATOM}title") or "" for e in root.findall(f"{ATOM}entry")]


def test_site_feed_lists_published_articles_newest_first(
    client: FlaskClient, session: Session
) -> None:
    ArticleFactory(title="Older", body="**rich** <script>x</script>")
    ArticleFactory(title="Newer & better")
    ArticleFactory(title="Hidden draft", draft=True)
    response = client.get("/atom.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert _titles(response.data) == ["Newer & better", "Older"]
    root = ET.fromstring(response.data)  # noqa: S314
    content = root.findall(f"{ATOM}entry")[1].findtext(f"{ATOM}content") or ""
    assert "<strong>rich</strong>" in content
    assert "<script>" not in content
    link = root.find(f"{ATOM}link[@rel='self']")
    assert link is not None
    assert link.get("href") == "http://localhost/atom.xml"


def test_author_feed(client: FlaskClient, session: Session) -> None:
    author = UserFactory(username="feeder")
    ArticleFactory(title="By feeder", author=author)
    ArticleFactory(title="By feeder, draft", author=author, draft=True)
    ArticleFactory(title="By someone else")
    response = client.get("/@feeder/atom.xml")
    assert response.status_code == 200
    assert _titles(response.data) == ["By feeder"]
    assert client.get("/@nobody/atom.xml").status_code == 404


def test_tag_feed(client: FlaskClient, session: Session) -> None:
    ArticleFactory(title="Tagged", tags=["birds"])
    ArticleFactory(title="Untagged")
    ArticleFactory(title="Tagged draft", tags=["birds"], draft=True)
    assert _titles(client.get("/tags/birds/atom.xml").data) == ["Tagged"]
    assert _titles(client.get("/tags/none/atom.xml").data) == []


def test_sitemap_lists_published_articles_and_their_authors(
    client: FlaskClient, session: Session
) -> None:
    author = UserFactory(username="mapped")
    ArticleFactory(slug="on-the-map", author=author)
    ArticleFactory(slug="off-the-map", draft=True, author=UserFactory(username="drafter"))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)  # noqa: S314
    locations = [u.findtext(f"{SITEMAP}loc") for u in root.findall(f"{SITEMAP}url")]
    assert "http://localhost/articles/on-the-map" in locations
    assert "http://localhost/@mapped" in locations
    assert "http://localhost/articles/off-the-map" not in locations
    assert "http://localhost/@drafter" not in locations


def test_robots_txt(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "Disallow: /admin" in body
    assert "Sitemap: http://localhost/sitemap.xml" in body


def test_feed_content_survives_a_cdata_end_and_leaves_out_highlight_classes(
    client: FlaskClient, session: Session
) -> None:
    link = '[link](https://example.com "a ]]> title")'
    body = f"Before ]]> after & <b> {link}\n\n```python\nx = 1\n```\n"
    ArticleFactory(title="Tricky", body=body)
    response = client.get("/atom.xml")
    root = ET.fromstring(response.data)  # noqa: S314
    content = root.findtext(f"{ATOM}entry/{ATOM}content") or ""
    assert "Before ]]&gt; after &amp; &lt;b&gt;" in content
    assert 'title="a ]]&gt; title"' in content
    assert '<code class="language-python">x = 1' in content
    assert "hl-" not in content  # the site's stylesheet classes, which no reader has
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]


def test_a_cdata_end_in_html_is_split_so_the_feed_stays_well_formed() -> None:
    from folio.articles.feeds import _feed_html

    section = str(_feed_html('<a title="]]>">x</a>'))
    root = ET.fromstring(f"<content>{section}</content>")  # noqa: S314
    assert root.text == '<a title="]]>">x</a>'
