"""Tokens: sign in, refresh, sign out, and every way a token must be refused."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt as pyjwt
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from folio.accounts import rules as accounts
from folio.auth.tokens import issue_access_token, issue_refresh_token
from folio.extensions import db
from folio.models import RevokedToken, User
from tests.api.conftest import Account, assert_error, bearer, sign_in


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(token: str) -> dict[str, Any]:
    return dict(pyjwt.decode(token, options={"verify_signature": False}))


def test_sign_in_answers_an_access_and_a_refresh_token(client: FlaskClient, alice: Account) -> None:
    body = sign_in(client, alice.email)

    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    access, refresh = _claims(body["access_token"]), _claims(body["refresh_token"])
    assert access["type"] == "access"
    assert refresh["type"] == "refresh"
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["username"] == "alice"


def test_sign_in_is_case_insensitive_on_the_email(client: FlaskClient, alice: Account) -> None:
    assert sign_in(client, "ALICE@example.test")["access_token"]


def test_wrong_password_and_unknown_email_get_the_same_401(
    client: FlaskClient, alice: Account
) -> None:
    wrong = client.post(
        "/api/v1/auth/tokens", json={"email": alice.email, "password": "not-the-password"}
    )
    unknown = client.post(
        "/api/v1/auth/tokens", json={"email": "nobody@example.test", "password": "whatever1"}
    )
    assert assert_error(wrong, 401, "credentials")["errors"] == {"credentials": ["invalid"]}
    assert assert_error(unknown, 401, "credentials")["errors"] == {"credentials": ["invalid"]}


def test_sign_in_names_every_missing_field(client: FlaskClient) -> None:
    assert_error(client.post("/api/v1/auth/tokens", json={}), 422, "email", "password")


def test_a_deactivated_account_cannot_sign_in(
    client: FlaskClient, in_app: Callable[..., Any], alice: Account
) -> None:
    in_app(lambda: _deactivate(alice.id))
    response = client.post(
        "/api/v1/auth/tokens", json={"email": alice.email, "password": "correct-horse-battery"}
    )
    assert_error(response, 401, "credentials")


def _deactivate(user_id: int) -> None:
    user = db.session.get(User, user_id)
    assert user is not None
    accounts.deactivate(db.session(), user, user)


def test_anonymous_call_to_a_protected_route_is_401_with_a_challenge(
    client: FlaskClient,
) -> None:
    response = client.get("/api/v1/me")
    assert_error(response, 401, "token")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_authorization_header_of_another_scheme_is_401(
    client: FlaskClient, alice: Account
) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": f"Token {alice.token}"})
    assert_error(response, 401, "token")


def test_alg_none_is_refused(client: FlaskClient, alice: Account) -> None:
    claims = _claims(alice.token)
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert_error(client.get("/api/v1/me", headers=bearer(forged)), 401, "token")


def test_another_algorithm_is_refused(client: FlaskClient, app: Flask, alice: Account) -> None:
    claims = _claims(alice.token)
    # Same key, another HMAC: only the configured algorithm is accepted.
    forged = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS512")
    assert_error(client.get("/api/v1/me", headers=bearer(forged)), 401, "token")


def test_a_tampered_token_is_refused(client: FlaskClient, alice: Account) -> None:
    header, _payload, signature = alice.token.split(".")
    claims = _claims(alice.token)
    claims["sub"] = str(alice.id + 1)
    tampered = f"{header}.{_b64(claims)}.{signature}"
    assert_error(client.get("/api/v1/me", headers=bearer(tampered)), 401, "token")


def test_a_token_signed_with_another_key_is_refused(client: FlaskClient, alice: Account) -> None:
    forged = pyjwt.encode(_claims(alice.token), "another-key-" * 4, algorithm="HS256")
    assert_error(client.get("/api/v1/me", headers=bearer(forged)), 401, "token")


def test_an_expired_token_is_refused(
    client: FlaskClient, in_app: Callable[..., Any], alice: Account
) -> None:
    def expired() -> str:
        user = db.session.get(User, alice.id)
        assert user is not None
        return issue_access_token(user, expires=timedelta(seconds=-1))

    body = assert_error(client.get("/api/v1/me", headers=bearer(in_app(expired))), 401, "token")
    assert body["errors"]["token"] == ["has expired"]


def test_a_token_used_before_is_refused_once_it_expires(
    client: FlaskClient, in_app: Callable[..., Any], alice: Account, monkeypatch: Any
) -> None:
    """Each process remembers the tokens it verified, but checks their times on every use."""
    import folio.auth.tokens as tokens

    def five_minutes() -> str:
        user = db.session.get(User, alice.id)
        assert user is not None
        return issue_access_token(user, expires=timedelta(minutes=5))

    token = in_app(five_minutes)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    later = time.time() + 301
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    body = assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "token")
    assert body["errors"]["token"] == ["has expired"]


def test_garbage_is_refused(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/me", headers=bearer("not.a.jwt")), 401, "token")


def test_a_refresh_token_cannot_be_used_as_an_access_token(
    client: FlaskClient, alice: Account
) -> None:
    refresh = sign_in(client, alice.email)["refresh_token"]
    body = assert_error(client.get("/api/v1/me", headers=bearer(refresh)), 401, "token")
    assert body["errors"]["token"] == ["is not an access token"]


def test_an_access_token_cannot_be_used_to_refresh(client: FlaskClient, alice: Account) -> None:
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": alice.token})
    assert_error(response, 401, "token")


def test_refresh_answers_a_new_pair_and_each_refresh_token_works_once(
    client: FlaskClient, alice: Account
) -> None:
    first = sign_in(client, alice.email)
    response = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.get_json()
    assert client.get("/api/v1/me", headers=bearer(second["access_token"])).status_code == 200

    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert assert_error(replay, 401, "token")["errors"]["token"] == ["has been revoked"]


def test_sign_out_revokes_the_access_and_its_refresh_token(
    client: FlaskClient, alice: Account
) -> None:
    pair = sign_in(client, alice.email)
    response = client.delete("/api/v1/auth/tokens", headers=bearer(pair["access_token"]))
    assert response.status_code == 204

    again = client.get("/api/v1/me", headers=bearer(pair["access_token"]))
    assert assert_error(again, 401, "token")["errors"]["token"] == ["has been revoked"]
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_error(refresh, 401, "token")
    # Other tokens of the same account keep working: only this pair was signed out.
    assert client.get("/api/v1/me", headers=alice.headers).status_code == 200


def test_the_blocklist_is_in_the_database(client: FlaskClient, app: Flask, alice: Account) -> None:
    pair = sign_in(client, alice.email)
    client.delete("/api/v1/auth/tokens", headers=bearer(pair["access_token"]))
    # A fresh session (as after a restart) still finds both revocations.
    with app.app_context():
        rows = set(db.session.scalars(select(RevokedToken.jti)))
    assert {_claims(pair["access_token"])["jti"], _claims(pair["refresh_token"])["jti"]} <= rows


def test_changing_the_password_ends_every_earlier_token(
    client: FlaskClient, in_app: Callable[..., Any], alice: Account
) -> None:
    def refresh_token() -> str:
        user = db.session.get(User, alice.id)
        assert user is not None
        return issue_refresh_token(user)

    old_refresh = in_app(refresh_token)
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": "correct-horse-battery", "new_password": "a brand new phrase"},
        headers=alice.headers,
    )
    assert response.status_code == 200
    fresh = response.get_json()

    assert_error(client.get("/api/v1/me", headers=alice.headers), 401, "token")
    stale = client.post("/api/v1/auth/refresh", json={"refresh_token": old_refresh})
    assert assert_error(stale, 401, "token")["errors"]["token"] == ["is no longer valid"]
    assert client.get("/api/v1/me", headers=bearer(fresh["access_token"])).status_code == 200
    assert sign_in(client, alice.email, "a brand new phrase")["access_token"]


def test_deactivation_ends_every_earlier_token(
    client: FlaskClient, in_app: Callable[..., Any], alice: Account
) -> None:
    in_app(lambda: _deactivate(alice.id))
    assert_error(client.get("/api/v1/me", headers=alice.headers), 401, "token")
