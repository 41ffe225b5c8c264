"""A stale or garbage credential on a public read: the anonymous answer, on every face.

The APIs answer an optional-auth read whose token is unusable (expired, revoked, forged,
of the wrong scheme) as they would an anonymous one, with ``X-Folio-Token: ignored``;
required-auth endpoints and writes still answer 401. The pages treat a session or
remember cookie that no longer signs anyone in the same way, and clear it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import decode_token

from folio.accounts import rules as accounts
from folio.auth import tokens
from folio.extensions import db
from folio.models import User
from folio.social import rules as social
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory

BAD_TOKENS: dict[str, Callable[[User], str]] = {
    "garbage": lambda _user: "not-a-jwt",
    "expired": lambda user: tokens.issue_access_token(user, expires=timedelta(seconds=-5)),
    "forged": lambda user: tokens.issue_access_token(user)[:-4] + "AAAA",
}


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Alice wrote an article; Bob follows her and holds tokens of every kind."""
    with app.app_context():
        alice = UserFactory(username="alice")
        bob = UserFactory(username="bob")
        slug = ArticleFactory(author=alice, title="Public words").slug
        social.follow(db.session(), bob, "alice")
        bad = {name: make(bob) for name, make in BAD_TOKENS.items()}
        revoked = tokens.issue_access_token(bob)
        tokens.revoke(decode_token(revoked))
        bad["revoked"] = revoked
        db.session.commit()
        return {"slug": slug, "bad": bad, "good": tokens.issue_access_token(bob)}


def _reads(face: str, slug: str) -> list[str]:
    if face == "realworld":
        return ["/api/articles", f"/api/articles/{slug}", "/api/profiles/alice"]
    return [
        "/api/v1/articles",
        f"/api/v1/articles/{slug}",
        "/api/v1/profiles/alice",
        f"/api/v1/articles/{slug}/comments",
    ]


def _header(face: str, token: str) -> dict[str, str]:
    return {"Authorization": f"{'Token' if face == 'realworld' else 'Bearer'} {token}"}


@pytest.mark.parametrize("face", ["realworld", "api"])
@pytest.mark.parametrize("kind", [*BAD_TOKENS, "revoked", "other scheme"])
def test_a_bad_token_on_a_public_read_gets_the_anonymous_answer(
    client: FlaskClient, world: dict[str, Any], face: str, kind: str
) -> None:
    if kind == "other scheme":
        scheme = "Bearer" if face == "realworld" else "Token"
        headers = {"Authorization": f"{scheme} {world['good']}"}
    else:
        headers = _header(face, world["bad"][kind])
    for path in _reads(face, world["slug"]):
        anonymous = client.get(path)
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_json())
        assert response.headers["X-Folio-Token"] == "ignored", path
        assert response.get_json() == anonymous.get_json(), path
        assert "X-Folio-Token" not in anonymous.headers


@pytest.mark.parametrize("face", ["realworld", "api"])
def test_a_good_token_is_used_and_not_flagged(
    client: FlaskClient, world: dict[str, Any], face: str
) -> None:
    path = "/api/profiles/alice" if face == "realworld" else "/api/v1/profiles/alice"
    response = client.get(path, headers=_header(face, world["good"]))
    assert response.status_code == 200
    assert "X-Folio-Token" not in response.headers
    body = response.get_json()
    assert (body["profile"] if face == "realworld" else body)["following"] is True


@pytest.mark.parametrize(
    ("face", "method", "path", "body"),
    [
        ("realworld", "GET", "/api/user", None),
        ("realworld", "POST", "/api/articles/{slug}/favorite", None),
        ("realworld", "POST", "/api/articles/{slug}/comments", {"comment": {"body": "hi"}}),
        ("api", "GET", "/api/v1/me", None),
        ("api", "GET", "/api/v1/feed", None),
        ("api", "POST", "/api/v1/articles/{slug}/comments", {"body": "hi"}),
    ],
)
def test_where_a_token_is_required_a_bad_one_is_still_401(
    client: FlaskClient, world: dict[str, Any], face: str, method: str, path: str, body: Any
) -> None:
    for kind in ("garbage", "expired", "revoked"):
        response = client.open(
            path.format(slug=world["slug"]),
            method=method,
            json=body,
            headers=_header(face, world["bad"][kind]),
        )
        assert response.status_code == 401, (kind, response.get_json())
        assert "token" in response.get_json()["errors"]
        assert "X-Folio-Token" not in response.headers


def test_a_page_with_a_stale_login_is_anonymous_and_forgets_it(app: Flask) -> None:
    with app.app_context():
        UserFactory(username="carol", email="carol@example.com")
        db.session.commit()
    browser = app.test_client()
    signed_in = browser.post(
        "/auth/login",
        data={"email": "carol@example.com", "password": TEST_PASSWORD, "remember": "y"},
    )
    assert signed_in.status_code == 302
    assert "carol" in browser.get("/").get_data(as_text=True)
    with app.app_context():  # signed out everywhere, from another device
        user = accounts.find_user_by_email(db.session(), "carol@example.com")
        assert user is not None
        accounts.sign_out_everywhere(db.session(), user)
        db.session.commit()

    page = browser.get("/")
    assert page.status_code == 200
    assert "Sign in" in page.get_data(as_text=True)
    cleared = " ".join(page.headers.getlist("Set-Cookie"))
    assert "remember_token=;" in cleared
    # The browser now sends nothing that names a user.
    assert browser.get_cookie("remember_token") is None
    again = browser.get("/")
    assert again.status_code == 200
    assert "Set-Cookie" not in again.headers


def test_a_page_with_a_garbage_remember_cookie_is_anonymous_and_forgets_it(app: Flask) -> None:
    browser = app.test_client()
    browser.set_cookie("remember_token", "12|forged-digest")
    page = browser.get("/")
    assert page.status_code == 200
    assert "Sign in" in page.get_data(as_text=True)
    assert browser.get_cookie("remember_token") is None
