"""Every page a reader, a writer and an administrator can reach, in German and Spanish.

Rather than a list that new pages could miss, the test follows the links: from the home
page and the signed-in menus it visits every page on the site it finds (up to a bound),
renders each in English, German and Spanish, and fails on English left in the German or
Spanish main content (tests/i18n/helpers.py says how).
"""

from __future__ import annotations

import re
from collections import deque

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import Role, User
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.i18n.helpers import untranslated
from tests.web.helpers import sign_in_through_the_session

SIGNED_IN_START = ("/", "/settings", "/me/articles?show=drafts", "/admin", "/feed")
ANONYMOUS_START = ("/", "/auth/login", "/auth/register", "/auth/reset", "/no/such/page")
# Not pages (feeds, files, APIs) or actions a GET would trigger (signing out is a POST).
_SKIPPED = re.compile(
    r"^/(static|api|media|stats/views|auth/logout|users/|\.well-known|nodeinfo)|"
    r"\.(xml|txt|json|zip|csv)(\?|$)|/download"
)
_HREF = re.compile(r'href="(/[^"#]*)"')
MOST_PAGES = 150
# A path seen with this many query strings is enough (pages of lists, tabs).
MOST_QUERIES_PER_PATH = 3


def _site(session: Session) -> User:
    admin = UserFactory(
        username="zora", display_name="Zora Kowalczyk", email="zora@example.com",
        role=Role.ADMIN.value,
    )  # fmt: skip
    reader = UserFactory(username="quirin", display_name="Quirin Ødegård")
    article = ArticleFactory(
        author=admin, title="Zugspitze 2964", slug="zugspitze-2964", description="Gipfelbuch",
        body="## Gipfel\n\nHoch oben, kalt und klar.", tags=["alpen"],
    )  # fmt: skip
    ArticleFactory(
        author=admin, title="Watzmann", slug="watzmann", description="Ostwand", draft=True
    )
    ArticleFactory(author=reader, title="Dachstein 2995", slug="dachstein", description="Südwand")
    CommentFactory(article=article, author=reader, body="Großartig 👍")
    session.commit()
    return admin


def _links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in _HREF.findall(html)]


def _crawl(client: FlaskClient, start: tuple[str, ...]) -> dict[str, list[str]]:
    """Each page visited, with the English it still shows in German or Spanish."""
    queue, seen, queries = deque(start), set(start), {}
    found: dict[str, list[str]] = {}
    while queue and len(found) < MOST_PAGES:
        url = queue.popleft()
        english = client.get(url, headers={"Accept-Language": "en"})
        if english.status_code not in (200, 404) or english.mimetype != "text/html":
            continue
        left = []
        for locale in ("de", "es"):
            other = client.get(url, headers={"Accept-Language": locale})
            left += [f"{locale}: {text}" for text in untranslated(english.text, other.text)]
        found[url] = left
        for link in _links(english.text):
            path = link.split("?", 1)[0]
            if link in seen or _SKIPPED.search(link):
                continue
            queries[path] = queries.get(path, 0) + 1
            if queries[path] > MOST_QUERIES_PER_PATH:
                continue
            seen.add(link)
            queue.append(link)
    return found


def test_no_page_the_site_links_to_is_left_in_english(
    client: FlaskClient, session: Session
) -> None:
    admin = _site(session)
    anonymous = _crawl(client, ANONYMOUS_START)
    assert {"/auth/login", "/auth/register", "/articles/zugspitze-2964"} <= set(anonymous)
    sign_in_through_the_session(client, admin)
    signed_in = _crawl(client, SIGNED_IN_START)
    assert len(signed_in) > 40, sorted(signed_in)  # the crawl really went round the site
    left = {url: texts for url, texts in (anonymous | signed_in).items() if texts}
    assert left == {}
