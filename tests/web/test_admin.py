"""/admin: users and articles, deactivation, moderation."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import User
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import sign_in, text


@pytest.fixture
def admin(session: Session) -> User:
    return UserFactory(username="root", admin=True)


@pytest.fixture
def as_admin(client: FlaskClient, admin: User) -> FlaskClient:
    sign_in(client, admin)
    return client


def test_admin_needs_sign_in_and_the_admin_role(
    client: FlaskClient, session: Session, user: User
) -> None:
    assert client.get("/admin").status_code == 302
    sign_in(client, user)
    response = client.get("/admin")
    assert response.status_code == 403
    assert "You are not allowed to do that" in text(response)
    assert client.get("/admin/articles").status_code == 403
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 403


def test_admin_lists_users(as_admin: FlaskClient, session: Session) -> None:
    UserFactory(username="listed", email="listed@example.test")
    page = text(as_admin.get("/admin"))
    assert "listed" in page
    assert "listed@example.test" in page
    assert "Deactivate listed" in page


def test_admin_user_list_is_paged(as_admin: FlaskClient, session: Session) -> None:
    UserFactory.create_batch(51)
    first = text(as_admin.get("/admin"))
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in text(as_admin.get("/admin?page=2"))


def test_admin_lists_published_articles_only(as_admin: FlaskClient, session: Session) -> None:
    ArticleFactory(title="Public piece")
    ArticleFactory(title="Private draft", draft=True)
    page = text(as_admin.get("/admin/articles"))
    assert "Public piece" in page
    assert "Private draft" not in page


def test_admin_unpublishes_and_deletes_any_article(as_admin: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="bad", title="Bad piece")
    ArticleFactory(slug="worse", title="Worse piece")
    response = as_admin.post("/articles/bad/unpublish", data={"next": "/admin/articles"})
    assert response.location == "/admin/articles"
    assert "is a draft again" in text(as_admin.get("/admin/articles"))
    assert "Bad piece" not in text(as_admin.get("/"))
    deleted = as_admin.post("/articles/worse/delete", data={"next": "/admin/articles"})
    assert deleted.location == "/admin/articles"
    assert as_admin.get("/articles/worse").status_code == 404


def test_deactivation_signs_the_user_out_everywhere(
    app: Flask, as_admin: FlaskClient, session: Session, user: User
) -> None:
    victim = app.test_client()
    sign_in(victim, user)
    assert victim.get("/settings").status_code == 200
    response = as_admin.post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert "alice is deactivated" in text(as_admin.get("/admin"))
    assert victim.get("/settings").status_code == 302
    login = victim.post(
        "/auth/login", data={"email": user.email, "password": "correct-horse-battery"}
    )
    assert login.status_code == 401
    assert as_admin.post(f"/admin/users/{user.id}/reactivate").status_code == 302
    assert "alice can sign in again" in text(as_admin.get("/admin"))


def test_admin_cannot_deactivate_themself(as_admin: FlaskClient, admin: User) -> None:
    response = as_admin.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 302
    assert "cannot deactivate your own account" in text(as_admin.get("/admin"))


def test_deactivating_an_unknown_user_is_404(as_admin: FlaskClient) -> None:
    assert as_admin.post("/admin/users/999999/deactivate").status_code == 404
