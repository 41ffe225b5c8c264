"""Reading time on every list and on the article page; in /api/v1, not in the RealWorld API;
the table of contents and footnotes of long articles."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.auth.tokens import issue_access_token
from folio.models import User
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import text

WORDS_460 = " ".join(["soil"] * 460)  # two minutes
WORDS_1150 = " ".join(["loam"] * 1150)  # five minutes


def _min_read(page: str, title: str) -> str:
    """The "N min read" of the card whose title is ``title``."""
    match = re.search(rf"(\d+ min read)(?: Draft)? {re.escape(title)}", page)
    assert match, f"no reading time on the card of {title!r}"
    return match.group(1)


@pytest.mark.parametrize(
    "url",
    ["/", "/tags/compost", "/@wendy", "/search?q=compost"],
)
def test_cards_say_how_long_an_article_takes_to_read(
    client: FlaskClient, session: Session, url: str
) -> None:
    author = UserFactory(username="wendy")
    ArticleFactory(title="Compost in winter", body=WORDS_1150, author=author, tags=["compost"])
    ArticleFactory(
        title="Compost notes", body="compost " + WORDS_460, author=author, tags=["compost"]
    )
    ArticleFactory(title="Compost haiku", body="compost, leaves", author=author, tags=["compost"])
    page = text(client.get(url))
    assert _min_read(page, "Compost in winter") == "5 min read"
    assert _min_read(page, "Compost notes") == "2 min read"
    # A two-word poem still takes a minute: never "0 min read".
    assert _min_read(page, "Compost haiku") == "1 min read"


def test_my_articles_show_reading_time_for_drafts_too(signed_in: FlaskClient, user: User) -> None:
    ArticleFactory(title="Half-written", body=WORDS_1150, author=user, draft=True)
    page = text(signed_in.get("/me/articles"))
    assert _min_read(page, "Half-written") == "5 min read"


def test_the_article_page_shows_its_reading_time(client: FlaskClient, session: Session) -> None:
    article = ArticleFactory(title="Long read", body=WORDS_1150)
    page = text(client.get(f"/articles/{article.slug}"))
    assert "5 min read" in page


def test_reading_time_adds_no_query_to_a_list(
    client: FlaskClient, session: Session, count_queries
) -> None:
    author = UserFactory(username="counter")
    ArticleFactory(author=author, body=WORDS_460, tags=["t"])
    with count_queries() as one:
        assert client.get("/@counter").status_code == 200
    for _ in range(12):
        ArticleFactory(author=author, body=WORDS_1150, tags=["t"])
    with count_queries() as many:
        response = client.get("/@counter")
    assert text(response).count("5 min read") == 12
    assert many.count == one.count


def test_saving_in_the_editor_recounts_the_words(signed_in: FlaskClient, user: User) -> None:
    from tests.web.helpers import csrf_token_from

    token = csrf_token_from(signed_in.get("/articles/new"))
    response = signed_in.post(
        "/articles/new",
        data={
            "csrf_token": token,
            "title": "Counted",
            "description": "d",
            "body": WORDS_460,
            "tags": "",
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    article_url = response.headers["Location"]
    assert "2 min read" in text(signed_in.get(article_url))
    edit = signed_in.get(f"{article_url}/edit")
    response = signed_in.post(
        f"{article_url}/edit",
        data={
            "csrf_token": csrf_token_from(edit),
            "title": "Counted",
            "description": "d",
            "body": WORDS_1150,
            "tags": "",
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "5 min read" in text(signed_in.get(article_url))


# --- the APIs -----------------------------------------------------------------------------


def test_api_v1_articles_carry_word_count_and_reading_minutes(
    client: FlaskClient, session: Session
) -> None:
    author = UserFactory()
    article = ArticleFactory(title="Counted", body=WORDS_1150, author=author)
    one = client.get(f"/api/v1/articles/{article.slug}").get_json()
    assert (one["word_count"], one["reading_minutes"]) == (1150, 5)
    listed = client.get("/api/v1/articles").get_json()
    [item] = [a for a in listed["items"] if a["slug"] == article.slug]
    assert (item["word_count"], item["reading_minutes"]) == (1150, 5)


def test_api_v1_counts_the_words_of_what_a_writer_sends(
    client: FlaskClient, session: Session
) -> None:
    writer = UserFactory()
    headers = {"Authorization": f"Bearer {issue_access_token(writer)}"}
    created = client.post(
        "/api/v1/articles", json={"title": "Fresh", "body": "three short words"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["word_count"], created.get_json()["reading_minutes"]) == (3, 1)
    slug = created.get_json()["slug"]
    changed = client.patch(
        f"/api/v1/articles/{slug}",
        json={"body": WORDS_460},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["word_count"], changed.get_json()["reading_minutes"]) == (460, 2)


def test_the_realworld_api_is_unchanged(client: FlaskClient, session: Session) -> None:
    article = ArticleFactory(body=WORDS_460)
    shown = client.get(f"/api/articles/{article.slug}").get_json()["article"]
    assert "word_count" not in shown
    assert "reading_minutes" not in shown
    assert "readingMinutes" not in shown


# --- table of contents and footnotes -------------------------------------------------------

LONG_BODY = (
    "Intro paragraph.[^soil]\n\n"
    "## Start with the soil\n\nText.\n\n"
    "## Water deeply\n\nMore text.\n\n"
    "### In summer\n\nEven more.\n\n"
    "[^soil]: Loam, ideally.\n"
)


def test_a_long_article_has_a_table_of_contents_linking_its_headings(
    client: FlaskClient, session: Session
) -> None:
    article = ArticleFactory(body=LONG_BODY)
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    anchors = re.findall(r'href="#([^"]+)">([^<]+)</a>', toc)
    assert [name for _, name in anchors] == ["Start with the soil", "Water deeply", "In summer"]
    for anchor, _ in anchors:
        assert f'id="{anchor}"' in html


def test_a_short_article_has_no_table_of_contents(client: FlaskClient, session: Session) -> None:
    article = ArticleFactory(body="## Only one\n\nShort.")
    assert 'class="toc"' not in client.get(f"/articles/{article.slug}").get_data(as_text=True)


def test_footnotes_link_to_their_note_and_back(client: FlaskClient, session: Session) -> None:
    article = ArticleFactory(body=LONG_BODY)
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    reference = re.search(r'<sup class="footnote-ref"><a href="#([^"]+)" id="([^"]+)"', html)
    assert reference, html
    note, back = reference.groups()
    assert f'id="{note}"' in html
    assert f'href="#{back}"' in html
    assert "Loam, ideally." in text(client.get(f"/articles/{article.slug}"))
