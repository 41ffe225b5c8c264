"""Registration, one's own account, public profiles and following."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.api.conftest import Account, assert_error, sign_in

NEW = {"username": "carol", "email": "Carol@Example.com", "password": "a long passphrase"}


def test_register_creates_an_account_one_can_sign_in_with(client: FlaskClient) -> None:
    response = client.post("/api/v1/users", json=NEW)

    assert response.status_code == 201
    assert response.headers["Location"] == "/api/v1/me"
    body = response.get_json()
    assert body["username"] == "carol"
    assert body["email"] == "carol@example.com"
    assert body["role"] == "author"
    assert "password" not in body
    assert "password_hash" not in body
    assert sign_in(client, "carol@example.com", "a long passphrase")["access_token"]


def test_register_names_every_bad_field(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/users", json={"username": "x", "email": "not-an-email", "password": ""}
    )
    assert_error(response, 422, "username", "email", "password")


def test_register_refuses_a_short_or_common_password(client: FlaskClient) -> None:
    short = client.post("/api/v1/users", json={**NEW, "password": "short"})
    common = client.post("/api/v1/users", json={**NEW, "password": "password123"})
    assert "too short" in assert_error(short, 422, "password")["errors"]["password"][0]
    assert "too common" in assert_error(common, 422, "password")["errors"]["password"][0]


def test_register_cannot_set_a_role_or_anything_unlisted(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/users", json={**NEW, "role": "admin", "is_active": True, "session_version": 9}
    )
    assert_error(response, 422, "role", "is_active", "session_version")


def test_register_a_taken_username_or_email_is_a_conflict(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    make_user(username="dave", email="dave@example.com")
    by_name = client.post("/api/v1/users", json={**NEW, "username": "DAVE"})
    by_email = client.post("/api/v1/users", json={**NEW, "email": "Dave@example.com"})
    assert_error(by_name, 409, "username")
    assert_error(by_email, 409, "email")


def test_me_shows_the_private_account(client: FlaskClient, alice: Account) -> None:
    body = client.get("/api/v1/me", headers=alice.headers).get_json()
    assert body["email"] == alice.email
    assert body["username"] == "alice"
    assert set(body) == {
        "username",
        "email",
        "display_name",
        "bio",
        "image_url",
        "avatar",
        "email_notifications",
        "role",
        "created_at",
    }


def test_patch_me_changes_only_the_fields_sent(client: FlaskClient, alice: Account) -> None:
    response = client.patch(
        "/api/v1/me",
        json={"display_name": "Alice A.", "bio": "Writes about Flask."},
        headers=alice.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["display_name"], body["bio"]) == ("Alice A.", "Writes about Flask.")
    assert body["username"] == "alice"

    cleared = client.patch("/api/v1/me", json={"bio": None}, headers=alice.headers)
    assert cleared.get_json()["bio"] is None
    assert cleared.get_json()["display_name"] == "Alice A."


def test_patch_me_names_a_bad_image_url_by_this_apis_field_name(
    client: FlaskClient, alice: Account
) -> None:
    response = client.patch(
        "/api/v1/me", json={"image_url": "javascript:alert(1)"}, headers=alice.headers
    )
    assert_error(response, 422, "image_url")


def test_patch_me_cannot_set_role_or_active(client: FlaskClient, alice: Account) -> None:
    response = client.patch(
        "/api/v1/me", json={"role": "admin", "is_active": False}, headers=alice.headers
    )
    assert_error(response, 422, "role", "is_active")
    assert client.get("/api/v1/me", headers=alice.headers).get_json()["role"] == "author"


def test_a_new_email_needs_the_current_password(client: FlaskClient, alice: Account) -> None:
    refused = client.patch("/api/v1/me", json={"email": "new@example.com"}, headers=alice.headers)
    assert_error(refused, 422, "current_password")

    accepted = client.patch(
        "/api/v1/me",
        json={"email": "new@example.com", "current_password": "correct-horse-battery"},
        headers=alice.headers,
    )
    assert accepted.status_code == 200
    assert accepted.get_json()["email"] == "new@example.com"


def test_patch_me_to_a_taken_username_is_a_conflict(
    client: FlaskClient, alice: Account, bob: Account
) -> None:
    response = client.patch("/api/v1/me", json={"username": "Bob"}, headers=alice.headers)
    assert_error(response, 409, "username")


def test_password_change_needs_the_right_current_password(
    client: FlaskClient, alice: Account
) -> None:
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": "wrong-password", "new_password": "a brand new phrase"},
        headers=alice.headers,
    )
    assert_error(response, 422, "current_password")
    assert client.get("/api/v1/me", headers=alice.headers).status_code == 200


def test_password_change_refuses_a_weak_new_password(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": "correct-horse-battery", "new_password": "short"},
        headers=alice.headers,
    )
    assert_error(response, 422, "password")


def test_a_public_profile_carries_no_email(client: FlaskClient, alice: Account) -> None:
    response = client.get("/api/v1/profiles/ALICE")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "username": "alice",
        "display_name": None,
        "bio": None,
        "image_url": None,
        "avatar": None,
        "following": False,
    }
    assert alice.email not in response.get_data(as_text=True)


def test_an_unknown_profile_is_404(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/profiles/nobody"), 404, "profile")


def test_follow_and_unfollow(client: FlaskClient, alice: Account, bob: Account) -> None:
    followed = client.post("/api/v1/profiles/bob/follow", headers=alice.headers)
    assert followed.status_code == 200
    assert followed.get_json()["following"] is True
    again = client.post("/api/v1/profiles/bob/follow", headers=alice.headers)
    assert again.get_json()["following"] is True
    seen = client.get("/api/v1/profiles/bob", headers=alice.headers)
    assert seen.get_json()["following"] is True
    assert client.get("/api/v1/profiles/bob").get_json()["following"] is False

    unfollowed = client.delete("/api/v1/profiles/bob/follow", headers=alice.headers)
    assert unfollowed.get_json()["following"] is False
    assert (
        client.get("/api/v1/profiles/bob", headers=alice.headers).get_json()["following"] is False
    )


def test_one_cannot_follow_oneself(client: FlaskClient, alice: Account) -> None:
    assert_error(client.post("/api/v1/profiles/alice/follow", headers=alice.headers), 422)


def test_follow_needs_a_token_and_a_real_profile(client: FlaskClient, alice: Account) -> None:
    assert_error(client.post("/api/v1/profiles/alice/follow"), 401, "token")
    assert_error(client.delete("/api/v1/profiles/alice/follow"), 401, "token")
    assert_error(client.post("/api/v1/profiles/ghost/follow", headers=alice.headers), 404)
