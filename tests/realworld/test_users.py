"""POST /api/users, POST /api/users/login, GET and PUT /api/user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from folio.extensions import db
from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.realworld.helpers import Account, errors_of

# What the official suite signs up with: common, but long enough.
SUITE_PASSWORD = "password123"


def register(client: FlaskClient, name: str, password: str = SUITE_PASSWORD) -> Any:
    return client.post(
        "/api/users",
        json={"user": {"username": name, "email": f"{name}@example.com", "password": password}},
    )


def test_register_returns_the_user_with_a_working_token(client: FlaskClient) -> None:
    response = register(client, "Jacob")
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert user["username"] == "Jacob"
    assert user["email"] == "jacob@example.com"
    assert user["bio"] is None
    assert user["image"] is None
    assert response.headers["Cache-Control"] == "no-store"

    me = client.get("/api/user", headers={"Authorization": f"Token {user['token']}"})
    assert me.status_code == 200
    assert me.get_json()["user"]["username"] == "Jacob"


def test_register_takes_a_common_password_but_not_a_short_one(client: FlaskClient) -> None:
    # The RealWorld suite signs up with "password123"; the length rule still holds.
    assert register(client, "common", password="password123").status_code == 201
    response = register(client, "shorty", password="short")
    assert response.status_code == 422
    assert errors_of(response)["password"] == ["is too short (minimum is 8 characters)"]


def test_register_names_every_blank_field(client: FlaskClient) -> None:
    response = client.post(
        "/api/users", json={"user": {"username": "", "email": "", "password": ""}}
    )
    assert response.status_code == 422
    assert errors_of(response) == {
        "username": ["can't be blank"],
        "email": ["can't be blank"],
        "password": ["can't be blank"],
    }


def test_register_refuses_a_malformed_email_and_username(client: FlaskClient) -> None:
    response = client.post(
        "/api/users",
        json={"user": {"username": "no spaces", "email": "nope", "password": "long-enough"}},
    )
    assert response.status_code == 422
    assert set(errors_of(response)) == {"username", "email"}


def test_register_conflicts_on_a_taken_username_in_any_case_or_email(
    client: FlaskClient, alice: Account
) -> None:
    response = client.post(
        "/api/users",
        json={"user": {"username": "ALICE", "email": "new@example.com", "password": "x" * 10}},
    )
    assert response.status_code == 409
    assert errors_of(response) == {"username": ["has already been taken"]}

    response = client.post(
        "/api/users",
        json={"user": {"username": "other", "email": "Alice@Example.com", "password": "x" * 10}},
    )
    assert response.status_code == 409
    assert errors_of(response) == {"email": ["has already been taken"]}


def test_login_returns_the_user_with_a_token(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/users/login", json={"user": {"email": alice.email, "password": TEST_PASSWORD}}
    )
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert user["username"] == "alice"
    me = client.get("/api/user", headers={"Authorization": f"Token {user['token']}"})
    assert me.status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.com", "wrong-password"), ("nobody@example.com", TEST_PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_login_with_bad_credentials_is_401_without_saying_which(
    client: FlaskClient, alice: Account, email: str, password: str
) -> None:
    response = client.post(
        "/api/users/login", json={"user": {"email": email, "password": password}}
    )
    assert response.status_code == 401
    assert errors_of(response) == {"credentials": ["invalid"]}


def test_login_with_blank_fields_is_422(client: FlaskClient) -> None:
    response = client.post("/api/users/login", json={"user": {"email": "", "password": ""}})
    assert response.status_code == 422
    assert errors_of(response) == {"email": ["can't be blank"], "password": ["can't be blank"]}


def test_current_user_hands_back_the_token_it_was_given(
    client: FlaskClient, alice: Account
) -> None:
    response = client.get("/api/user", headers=alice.headers)
    assert response.status_code == 200
    assert response.get_json()["user"] == {
        "email": "alice@example.com",
        "token": alice.token,
        "username": "alice",
        "bio": None,
        "image": None,
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "is missing"),
        ({"Authorization": "Token not-a-jwt"}, "is invalid"),
        ({"Authorization": "Bearer abc"}, "must be sent as 'Authorization: Token <token>'"),
    ],
    ids=["missing", "garbage", "wrong scheme"],
)
@pytest.mark.parametrize("method", ["get", "put"])
def test_current_user_needs_a_valid_token(
    client: FlaskClient, headers: dict[str, str], message: str, method: str
) -> None:
    response = getattr(client, method)("/api/user", headers=headers, json={"user": {"bio": "x"}})
    assert response.status_code == 401
    assert errors_of(response) == {"token": [message]}


def test_update_sets_and_clears_bio_and_image(client: FlaskClient, alice: Account) -> None:
    def put(**fields: Any) -> dict[str, Any]:
        response = client.put("/api/user", headers=alice.headers, json={"user": fields})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["user"]

    assert put(bio="I like tea", image="https://example.com/a.jpg")["bio"] == "I like tea"
    assert client.get("/api/user", headers=alice.headers).get_json()["user"]["image"] == (
        "https://example.com/a.jpg"
    )
    cleared = put(bio="", image="")
    assert (cleared["bio"], cleared["image"]) == (None, None)
    put(bio="back")
    assert put(bio=None)["bio"] is None
    # Untouched fields stay as they were.
    assert put(image="https://example.com/b.jpg")["username"] == "alice"


def test_update_refuses_an_image_that_is_not_a_web_url(client: FlaskClient, alice: Account) -> None:
    response = client.put(
        "/api/user", headers=alice.headers, json={"user": {"image": "javascript:alert(1)"}}
    )
    assert response.status_code == 422
    assert "image" in errors_of(response)


def test_update_changes_username_and_email_without_the_current_password(
    client: FlaskClient, alice: Account
) -> None:
    response = client.put(
        "/api/user",
        headers=alice.headers,
        json={"user": {"username": "alicia", "email": "alicia@example.com"}},
    )
    assert response.status_code == 200
    user = response.get_json()["user"]
    assert (user["username"], user["email"]) == ("alicia", "alicia@example.com")
    # The earlier token still names the same account.
    again = client.get("/api/user", headers=alice.headers).get_json()["user"]
    assert again["username"] == "alicia"
    assert client.get("/api/profiles/alicia").status_code == 200
    assert client.get("/api/profiles/alice").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [{"email": ""}, {"email": None}, {"username": ""}, {"username": None}],
    ids=["email blank", "email null", "username blank", "username null"],
)
def test_update_refuses_to_blank_username_or_email(
    client: FlaskClient, alice: Account, fields: dict[str, Any]
) -> None:
    response = client.put("/api/user", headers=alice.headers, json={"user": fields})
    assert response.status_code == 422
    assert errors_of(response) == {next(iter(fields)): ["can't be blank"]}
    assert client.get("/api/user", headers=alice.headers).get_json()["user"]["username"] == "alice"


def test_update_to_a_taken_username_conflicts(
    client: FlaskClient, alice: Account, bob: Account
) -> None:
    response = client.put("/api/user", headers=alice.headers, json={"user": {"username": "Bob"}})
    assert response.status_code == 409
    assert errors_of(response) == {"username": ["has already been taken"]}


def test_a_new_password_ends_old_tokens_and_comes_with_a_new_one(
    client: FlaskClient, alice: Account
) -> None:
    response = client.put(
        "/api/user", headers=alice.headers, json={"user": {"password": "a-brand-new-secret"}}
    )
    assert response.status_code == 200
    new_token = response.get_json()["user"]["token"]
    assert client.get("/api/user", headers=alice.headers).status_code == 401
    assert (
        client.get("/api/user", headers={"Authorization": f"Token {new_token}"}).status_code == 200
    )
    login = client.post(
        "/api/users/login",
        json={"user": {"email": alice.email, "password": "a-brand-new-secret"}},
    )
    assert login.status_code == 200


def test_an_empty_password_in_the_settings_form_leaves_it_unchanged(
    client: FlaskClient, alice: Account
) -> None:
    response = client.put(
        "/api/user", headers=alice.headers, json={"user": {"bio": "hi", "password": ""}}
    )
    assert response.status_code == 200
    assert client.get("/api/user", headers=alice.headers).status_code == 200


def test_an_update_must_name_a_field(client: FlaskClient, alice: Account) -> None:
    response = client.put("/api/user", headers=alice.headers, json={"user": {}})
    assert response.status_code == 422
    assert "user" in errors_of(response)


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        (b'{"user": {"username": ', 400, "body"),
        (b"\xff\xfe not json", 400, "body"),
        (b"", 422, "user"),
        (b"[1, 2]", 422, "user"),
        (b'{"user": "jake"}', 422, "user"),
        (b'{"person": {}}', 422, "user"),
        (b'{"user": {"username": 5, "email": ["a"], "password": "long-enough"}}', 422, "username"),
    ],
    ids=["truncated", "not utf-8", "empty", "array", "string", "wrong wrapper", "wrong types"],
)
def test_malformed_bodies_are_4xx_in_the_realworld_shape(
    client: FlaskClient, data: bytes, status: int, field: str
) -> None:
    response = client.post("/api/users", data=data, content_type="application/json")
    assert response.status_code == status
    assert field in errors_of(response)


def test_a_deeply_nested_body_is_a_400_not_a_crash(client: FlaskClient) -> None:
    response = client.post(
        "/api/users", data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert errors_of(response) == {"body": ["is nested too deeply (more than 64 levels)"]}


def test_unknown_fields_are_ignored_not_assigned(
    client: FlaskClient, in_app: Callable[..., Any]
) -> None:
    response = client.post(
        "/api/users",
        json={
            "user": {
                "username": "mallory",
                "email": "mallory@example.com",
                "password": "long-enough-pw",
                "role": "admin",
                "is_active": False,
            }
        },
    )
    assert response.status_code == 201
    role, active = in_app(
        lambda: db.session.execute(
            select(User.role, User.is_active).where(User.username == "mallory")
        ).one()
    )
    assert (role, active) == ("author", True)
