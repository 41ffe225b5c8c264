"""Article cards are remembered by what they show: a change shows at once."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import Favorite
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


def _page_token(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert found, "a signed-in page carries its CSRF token"
    return found.group(1)


def _favorite_forms(page: str) -> list[str]:
    return re.findall(r'<form class="inline-form js-toggle".*?</form>', page, flags=re.S)


def test_signed_in_readers_share_remembered_cards_but_each_sees_their_own_token_and_flag(
    client: FlaskClient, session: Session, app: Flask, user
) -> None:
    article = ArticleFactory(title="Worth a favorite")
    reader = UserFactory(username="bruno", email="bruno@example.com")
    session.add(Favorite(user_id=user.id, article_id=article.id))
    other = app.test_client()
    sign_in(client, user)
    sign_in(other, reader)

    for _ in range(2):  # drawn, then served from what was remembered
        mine, theirs = client.get("/").get_data(as_text=True), other.get("/").get_data(as_text=True)
        my_token, their_token = _page_token(mine), _page_token(theirs)
        assert my_token != their_token
        [my_form], [their_form] = _favorite_forms(mine), _favorite_forms(theirs)
        assert f'value="{my_token}"' in my_form
        assert their_token not in mine
        assert f'value="{their_token}"' in their_form
        assert my_token not in theirs
        assert "is-on" in my_form
        assert "is-on" not in their_form
        assert "\x00" not in mine + theirs
    assert _cards_remembered(app) == 2  # one card per flag, shared by every reader
