"""Article cards are remembered by what they show: a change shows at once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.web.cards import card_memo
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import sign_in, text


def _cards_remembered(app: Flask) -> int:
    with app.app_context():
        return len(card_memo())


def test_an_edit_shows_on_the_next_page_although_its_card_was_remembered(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    article = ArticleFactory(title="First title", description="First lede", tags=["one"])
    assert "First title" in text(client.get("/"))
    assert _cards_remembered(app) == 1
    assert "First title" in text(client.get("/"))  # drawn from memory
    article.title, article.description = "Second title", "Second lede"
    article.favorites_count = 7
    session.flush()
    page = text(client.get("/"))
    assert "Second title" in page
    assert "Second lede" in page
    assert "First title" not in page
    assert "7 favorites" in page


def test_an_author_renamed_shows_on_their_cards(client: FlaskClient, session: Session) -> None:
    author = UserFactory(display_name="Old Name")
    ArticleFactory(author=author)
    assert "Old Name" in text(client.get("/"))
    author.display_name = "New Name"
    session.flush()
    page = text(client.get("/"))
    assert "New Name" in page
    assert "Old Name" not in page


def test_each_language_and_page_gets_its_own_card(client: FlaskClient, session: Session) -> None:
    ArticleFactory(title="Words", tags=["craft"])
    english = client.get("/").get_data(as_text=True)
    german = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "ago" in english
    assert "vor " in german
    # The sign-in link on a card brings the reader back to the page it was on.
    assert "next=%2F" in english or "next=/" in english
    tag_page = client.get("/tags/craft").get_data(as_text=True)
    assert "tags%2Fcraft" in tag_page or "tags/craft" in tag_page.split("fav-button", 1)[1]


def test_a_signed_in_readers_cards_are_never_remembered(
    client: FlaskClient, session: Session, app: Flask, user
) -> None:
    ArticleFactory(title="Mine to favorite")
    sign_in(client, user)
    page = client.get("/").get_data(as_text=True)
    assert 'name="csrf_token"' in page or "js-toggle" in page
    assert _cards_remembered(app) == 0
