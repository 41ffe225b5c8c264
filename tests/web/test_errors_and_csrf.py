"""Error pages in the site's style, and CSRF on every form."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.extensions import db
from folio.models import Article, User
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory
from tests.web.helpers import csrf_token_from, text


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    return {"WTF_CSRF_ENABLED": True}


def _sign_in(client: FlaskClient, user: User) -> None:
    token = csrf_token_from(client.get("/auth/login"))
    response = client.post(
        "/auth/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_login_without_a_csrf_token_is_refused(client: FlaskClient, user: User) -> None:
    response = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "could not be accepted" in text(response)
    assert client.get("/settings").status_code == 302


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/articles/new", {"title": "Forged", "action": "publish"}),
        ("/articles/csrf-target/favorite", {}),
        ("/articles/csrf-target/comments", {"body": "forged"}),
        ("/articles/csrf-target/delete", {}),
        ("/settings", {"username": "forged"}),
        ("/settings/sign-out-everywhere", {}),
        ("/auth/logout", {}),
    ],
)
def test_signed_in_forms_refuse_a_missing_token(
    client: FlaskClient, session: Session, user: User, url: str, data: dict[str, str]
) -> None:
    ArticleFactory(slug="csrf-target", author=user)
    _sign_in(client, user)
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert client.get("/settings").status_code == 200  # still signed in, nothing changed
    assert session.scalar(select(Article).where(Article.slug == "csrf-target")) is not None


def test_forms_work_with_the_token_and_the_editor_checks_it_too(
    client: FlaskClient, session: Session, user: User
) -> None:
    _sign_in(client, user)
    token = csrf_token_from(client.get("/articles/new"))
    response = client.post(
        "/articles/new", data={"title": "Genuine", "action": "draft", "csrf_token": token}
    )
    assert response.status_code == 302
    assert session.scalar(select(Article).where(Article.title == "Genuine")) is not None
    wrong = client.post("/articles/new", data={"title": "Forged", "csrf_token": "bogus"})
    assert wrong.status_code == 400


def test_fetch_uses_the_csrf_header(client: FlaskClient, session: Session, user: User) -> None:
    ArticleFactory(slug="header")
    _sign_in(client, user)
    page = client.get("/articles/header").get_data(as_text=True)
    token = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
    response = client.post(
        "/articles/header/favorite",
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json == {"favorited": True, "favorites_count": 1}


def test_403_and_404_pages_are_in_the_site_style(client: FlaskClient, user: User) -> None:
    _sign_in(client, user)
    for url, status, heading in (
        ("/admin", 403, "You are not allowed to do that"),
        ("/no/such/page", 404, "We could not find that page"),
    ):
        response = client.get(url)
        assert response.status_code == status
        assert heading in text(response)
        assert 'class="site-header"' in response.get_data(as_text=True)


def test_500_page_is_styled_and_rolls_back(database_url: str, monkeypatch) -> None:
    from folio import create_app

    app: Flask = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False}
    )

    def explode(*_args: Any, **_kwargs: Any) -> None:
        db.session.add(
            User(username="ghost", username_key="ghost", email="g@x.test", password_hash="x")
        )
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setattr("folio.articles.queries.popular_tags", explode)
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)
    assert "boom" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "ghost")) is None
