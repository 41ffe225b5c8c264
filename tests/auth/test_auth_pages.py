"""Register, sign in, sign out, password reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.mail import outbox
from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory
from tests.web.helpers import field_error, input_value, sign_in, text

# The open-redirect vectors from DESIGN.md, and a few more.
OFFSITE = [
    "//evil.com",
    "///evil.com",
    "/\\evil.com",
    "/%09/evil.com",
    "http:\\\\evil.com",
    "https:evil.com",
    "javascript:alert(1)",
    "https://evil.com/",
    "%2F%2Fevil.com",
    "/%5Cevil.com",
]


def test_register_signs_the_new_user_in(client: FlaskClient, session: Session) -> None:
    page = client.get("/auth/register")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    response = client.post(
        "/auth/register",
        data={"username": "newbie", "email": "Newbie@Example.com", "password": "a-long-secret-1"},
    )
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert "Welcome to Folio, newbie!" in text(home)
    assert "Sign out" in text(home)
    user = session.scalar(select(User).where(User.username == "newbie"))
    assert user is not None
    assert user.email == "newbie@example.com"


def test_register_errors_are_by_the_field_and_keep_the_input(client: FlaskClient) -> None:
    response = client.post(
        "/auth/register", data={"username": "a b", "email": "nope", "password": "short"}
    )
    assert response.status_code == 422
    assert field_error(response, "username").startswith("Username must be 3 to 30")
    assert field_error(response, "email") == "Email is invalid"
    assert "too short" in field_error(response, "password")
    assert input_value(response, "username") == "a b"
    assert input_value(response, "email") == "nope"
    assert input_value(response, "password") == ""  # passwords are never echoed


def test_register_refuses_common_passwords(client: FlaskClient) -> None:
    response = client.post(
        "/auth/register",
        data={"username": "weak", "email": "weak@example.com", "password": "password123"},
    )
    assert response.status_code == 422
    assert "too common" in field_error(response, "password")


def test_register_with_a_taken_name_or_email_is_409(
    client: FlaskClient, session: Session, user: User
) -> None:
    response = client.post(
        "/auth/register",
        data={"username": "ALICE", "email": "other@example.com", "password": "a-long-secret-1"},
    )
    assert response.status_code == 409
    assert field_error(response, "username") == "Username has already been taken"


def test_login_and_remember_me(client: FlaskClient, user: User) -> None:
    page = client.get("/auth/login")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    response = sign_in(client, user, remember=True)
    assert response.location == "/"
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember
    assert "HttpOnly" in remember[0]
    assert "SameSite=Lax" in remember[0]
    assert "Welcome back, Alice Liddell." in text(client.get("/"))


def test_login_without_remember_sets_no_remember_cookie(client: FlaskClient, user: User) -> None:
    response = sign_in(client, user)
    assert not [c for c in response.headers.getlist("Set-Cookie") if "remember_token=" in c]


def test_wrong_password_keeps_the_email_and_says_why(client: FlaskClient, user: User) -> None:
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong-one"})
    assert response.status_code == 401
    assert "That email and password do not match an account." in text(response)
    assert input_value(response, "email") == user.email
    assert input_value(response, "password") == ""


def test_blank_login_fields_are_named(client: FlaskClient) -> None:
    response = client.post("/auth/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert field_error(response, "email") == "Email can't be blank"
    assert field_error(response, "password") == "Password can't be blank"


def test_login_follows_a_local_next(client: FlaskClient, user: User) -> None:
    page = client.get("/auth/login?next=/articles/new")
    assert input_value(page, "next") == "/articles/new"
    response = client.post(
        "/auth/login",
        data={"email": user.email, "password": TEST_PASSWORD, "next": "/articles/new?x=1"},
    )
    assert response.location == "/articles/new?x=1"


@pytest.mark.parametrize("target", OFFSITE)
def test_login_never_redirects_off_site(client: FlaskClient, user: User, target: str) -> None:
    response = client.post(
        "/auth/login", data={"email": user.email, "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize("target", OFFSITE[:4])
def test_login_page_drops_an_off_site_next(client: FlaskClient, target: str) -> None:
    page = client.get("/auth/login", query_string={"next": target})
    assert input_value(page, "next") == "/"


def test_signed_in_visitor_to_login_is_sent_on(client: FlaskClient, user: User) -> None:
    sign_in(client, user)
    assert client.get("/auth/login?next=/settings").location == "/settings"
    assert client.get("/auth/register").location == "/"


def test_sign_in_starts_a_fresh_session(client: FlaskClient, user: User) -> None:
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
    sign_in(client, user)
    with client.session_transaction() as fresh:
        assert "planted" not in fresh
        assert fresh["_user_id"] == f"{user.id}:{user.session_version}"


def test_logout_is_post_only(client: FlaskClient, user: User) -> None:
    sign_in(client, user)
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/settings").status_code == 200


def test_logout_ends_the_session_for_real(app: Flask, client: FlaskClient, user: User) -> None:
    sign_in(client, user, remember=True)
    stolen = app.test_client()
    for cookie in client._cookies.values():  # a copy of every cookie, as a thief would take
        stolen.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert stolen.get("/settings").status_code == 200
    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert "You are signed out." in text(client.get("/"))
    assert client.get("/settings").status_code == 302
    assert stolen.get("/settings").status_code == 302


def test_unauthenticated_logout_is_harmless(client: FlaskClient) -> None:
    assert client.post("/auth/logout").status_code == 302


def _reset_link(app: Flask) -> str:
    with app.app_context():
        messages = outbox()
        assert messages, "no email was sent"
        match = re.search(r"http://localhost(/auth/reset/\S+)", messages[-1].body)
    assert match
    return match.group(1)


def test_password_reset_from_the_email_link(app: Flask, client: FlaskClient, user: User) -> None:
    assert client.get("/auth/reset").status_code == 200
    response = client.post("/auth/reset", data={"email": "ALICE@example.com"})
    assert response.status_code == 302
    assert "a link to reset its password is on its way" in text(client.get(response.location))
    link = _reset_link(app)
    with app.app_context():
        assert outbox()[-1].to == user.email
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert done.status_code == 302
    assert done.location == "/auth/login"
    login = client.post("/auth/login", data={"email": user.email, "password": "brand-new-secret"})
    assert login.status_code == 302
    # Single use: the password changed, so the link is dead.
    client.post("/auth/logout")
    reused = client.get(link)
    assert reused.status_code == 400
    assert "This link no longer works" in text(reused)


def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post("/auth/reset", data={"email": "nobody@example.com"})
    assert response.status_code == 302
    assert "If nobody@example.com has a Folio account" in text(client.get(response.location))
    with app.app_context():
        assert outbox() == []


def test_reset_request_with_an_invalid_email_is_named(client: FlaskClient) -> None:
    response = client.post("/auth/reset", data={"email": "not an email"})
    assert response.status_code == 422
    assert field_error(response, "email") == "Email is invalid"


def test_reset_form_errors(app: Flask, client: FlaskClient, user: User) -> None:
    client.post("/auth/reset", data={"email": user.email})
    link = _reset_link(app)
    mismatch = client.post(link, data={"password": "brand-new-secret", "confirm": "other"})
    assert mismatch.status_code == 422
    assert field_error(mismatch, "confirm") == "Repeat new password does not match."
    weak = client.post(link, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    assert "too short" in field_error(weak, "password")


def test_reset_link_expires(app: Flask, client: FlaskClient, user: User) -> None:
    client.post("/auth/reset", data={"email": user.email})
    link = _reset_link(app)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(link).status_code == 400
    assert client.post(link, data={"password": "x" * 12, "confirm": "x" * 12}).status_code == 400


def test_reset_link_dies_when_the_password_changes(
    app: Flask, client: FlaskClient, session: Session, user: User
) -> None:
    from folio.accounts.rules import change_password

    client.post("/auth/reset", data={"email": user.email})
    link = _reset_link(app)
    change_password(session, user, current_password=TEST_PASSWORD, new_password="changed-elsewhere")
    assert client.get(link).status_code == 400


def test_tampered_reset_token_is_refused(client: FlaskClient) -> None:
    assert client.get("/auth/reset/not-a-token").status_code == 400


def test_deactivated_user_gets_no_reset_mail(app: Flask, client: FlaskClient, session) -> None:
    UserFactory(username="off", email="off@example.com", is_active=False)
    client.post("/auth/reset", data={"email": "off@example.com"})
    with app.app_context():
        assert outbox() == []


class TestRateLimits:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_SIGNIN": "2 per minute",
            "RATELIMIT_REGISTER": "1 per minute",
            "RATELIMIT_RESET": "1 per minute",
        }

    def test_sign_in_is_rate_limited_but_the_page_is_not(
        self, client: FlaskClient, user: User
    ) -> None:
        for _ in range(2):
            client.post("/auth/login", data={"email": user.email, "password": "wrong-one"})
        limited = client.post("/auth/login", data={"email": user.email, "password": "wrong-one"})
        assert limited.status_code == 429
        assert "Slow down a little" in text(limited)
        assert client.get("/auth/login").status_code == 200

    def test_register_and_reset_are_rate_limited(self, client: FlaskClient) -> None:
        client.post("/auth/register", data={"username": "a"})
        assert client.post("/auth/register", data={"username": "b"}).status_code == 429
        client.post("/auth/reset", data={"email": "x@example.com"})
        assert client.post("/auth/reset", data={"email": "y@example.com"}).status_code == 429
