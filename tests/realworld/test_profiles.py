"""GET /api/profiles/:username, POST and DELETE /api/profiles/:username/follow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.realworld.helpers import Account, errors_of


def test_a_profile_is_public_and_says_whether_the_viewer_follows(
    client: FlaskClient, alice: Account, bob: Account
) -> None:
    response = client.get("/api/profiles/bob")
    assert response.status_code == 200
    assert response.get_json() == {
        "profile": {"username": "bob", "bio": None, "image": None, "following": False}
    }
    assert (
        client.get("/api/profiles/bob", headers=alice.headers).get_json()["profile"]["following"]
        is False
    )


def test_profiles_are_found_in_any_case(client: FlaskClient, bob: Account) -> None:
    assert client.get("/api/profiles/BOB").get_json()["profile"]["username"] == "bob"


def test_an_unknown_or_deactivated_profile_is_404(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    make_user(username="gone", is_active=False)
    for name in ("nobody", "gone"):
        response = client.get(f"/api/profiles/{name}")
        assert response.status_code == 404
        assert errors_of(response) == {"profile": ["not found"]}


def test_follow_then_unfollow(client: FlaskClient, alice: Account, bob: Account) -> None:
    response = client.post("/api/profiles/bob/follow", headers=alice.headers)
    assert response.status_code == 200
    assert response.get_json()["profile"]["following"] is True
    # Following twice changes nothing.
    assert client.post("/api/profiles/bob/follow", headers=alice.headers).status_code == 200
    seen = client.get("/api/profiles/bob", headers=alice.headers).get_json()["profile"]
    assert seen["following"] is True
    # Bob does not follow Alice back.
    assert (
        client.get("/api/profiles/alice", headers=bob.headers).get_json()["profile"]["following"]
        is False
    )

    response = client.delete("/api/profiles/bob/follow", headers=alice.headers)
    assert response.status_code == 200
    assert response.get_json()["profile"]["following"] is False
    seen = client.get("/api/profiles/bob", headers=alice.headers).get_json()["profile"]
    assert seen["following"] is False


@pytest.mark.parametrize("method", ["post", "delete"])
def test_following_needs_a_token_before_the_profile_is_looked_up(
    client: FlaskClient, method: str
) -> None:
    response = getattr(client, method)("/api/profiles/nobody/follow")
    assert response.status_code == 401
    assert errors_of(response) == {"token": ["is missing"]}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_following_an_unknown_profile_is_404(
    client: FlaskClient, alice: Account, method: str
) -> None:
    response = getattr(client, method)("/api/profiles/nobody/follow", headers=alice.headers)
    assert response.status_code == 404
    assert errors_of(response) == {"profile": ["not found"]}


def test_nobody_follows_themself(client: FlaskClient, alice: Account) -> None:
    response = client.post("/api/profiles/alice/follow", headers=alice.headers)
    assert response.status_code == 422
    assert errors_of(response) == {"profile": ["cannot follow yourself"]}
