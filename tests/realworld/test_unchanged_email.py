"""A settings form resends the address unchanged: it is not re-validated (issue 14, 7a)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from folio.accounts.rules import normalise_email
from folio.seed import DEMO_EMAIL
from tests.realworld.helpers import Account, errors_of


def test_saving_settings_with_an_unchanged_address_folio_would_now_refuse(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    # ".test" is a reserved name the email check refuses; the account predates that.
    owner = make_user(username="tester", email="tester@folio.test")
    response = client.put(
        "/api/user",
        json={"user": {"email": "Tester@folio.test", "bio": "Now with a bio.", "password": ""}},
        headers={"Authorization": f"Token {owner.token}"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()["user"]
    assert body["email"] == "tester@folio.test"
    assert body["bio"] == "Now with a bio."


def test_a_changed_address_is_still_validated(
    client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    owner = make_user(username="mover", email="mover@example.com")
    response = client.put(
        "/api/user",
        json={"user": {"email": "mover@folio.test"}},
        headers={"Authorization": f"Token {owner.token}"},
    )
    assert response.status_code == 422
    assert errors_of(response) == {"email": ["is invalid"]}


def test_the_demo_address_is_one_folio_accepts() -> None:
    assert normalise_email(DEMO_EMAIL) == (DEMO_EMAIL, [])
