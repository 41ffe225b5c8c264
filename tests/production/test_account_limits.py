"""The per-account sign-in limit: keyed on what the view authenticates; a reset gets the
owner back in; "taken" answers to registration are limited; seed-db is refused (issue 14)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from folio.extensions import db, mail
from folio.models import User
from folio.seed import DEMO_EMAIL
from tests.conftest import TEST_PASSWORD
from tests.production.test_hardening import add_user, client_for

NEW_PASSWORD = "a-brand-new-passphrase"
LIMITS = {"RATELIMIT_SIGNIN": "100 per minute", "RATELIMIT_SIGNIN_ACCOUNT": "3 per minute"}


def _from(n: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"192.0.2.{n}"}


def _rw_guess(client: FlaskClient, n: int, **request: object) -> int:
    return client.post("/api/users/login", headers=_from(n), **request).status_code  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", ["text/plain", "decoy top-level email"])
def test_realworld_guesses_count_against_the_account_whatever_the_body_shape(
    make_app: Callable[..., Flask], shape: str
) -> None:
    app = make_app(**LIMITS)
    owner = add_user(app)
    client = client_for(app)

    def attempt(n: int, password: str) -> int:
        inner = {"email": owner.email, "password": password}
        if shape == "text/plain":
            import json

            return _rw_guess(client, n, data=json.dumps({"user": inner}), content_type="text/plain")
        # A new address at the top level, where a generic reader would look first.
        return _rw_guess(client, n, json={"email": f"decoy{n}@example.com", "user": inner})

    statuses = [attempt(n, f"guess-{n}") for n in range(5)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    # The right password from yet another address waits too: it is the guessing that is limited.
    assert attempt(99, TEST_PASSWORD) == 429


def test_page_guesses_sent_as_json_count_against_the_account(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**LIMITS)
    owner = add_user(app)
    client = client_for(app)
    statuses = [
        client.post(
            "/auth/login", json={"email": owner.email, "password": f"g{n}"}, headers=_from(n)
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def _lock_out(app: Flask, owner: User) -> None:
    attacker = client_for(app)
    for n in range(4):
        attacker.post(
            "/auth/login", data={"email": owner.email, "password": f"guess{n}"}, headers=_from(n)
        )
    late = attacker.post(
        "/auth/login", data={"email": owner.email, "password": TEST_PASSWORD}, headers=_from(50)
    )
    assert late.status_code == 429


def _reset_from(app: Flask, browser: FlaskClient, owner: User) -> None:
    with mail.record_messages() as sent:
        browser.post("/auth/reset", data={"email": owner.email}, headers=_from(60))
    (message,) = [m for m in sent if m.recipients == [owner.email]]
    match = re.search(r"https://folio\.example(/auth/reset/\S+)", message.body)
    assert match
    done = browser.post(
        match.group(1),
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        headers=_from(60),
    )
    assert done.status_code == 302, done.get_data(as_text=True)


def test_a_password_reset_lets_the_owner_in_from_a_new_device(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**LIMITS)
    owner = add_user(app)
    _lock_out(app, owner)
    new_device = client_for(app)  # never signed in before: no known-device cookie
    _reset_from(app, new_device, owner)
    signed_in = new_device.post(
        "/auth/login", data={"email": owner.email, "password": NEW_PASSWORD}, headers=_from(61)
    )
    assert signed_in.status_code == 302
    # Another client (a RealWorld app on the new phone) also gets in with the new password:
    # the guesses counted against the old one.
    app_client = client_for(app)
    body = {"user": {"email": owner.email, "password": NEW_PASSWORD}}
    assert _rw_guess(app_client, 62, json=body) == 200


def test_guesses_against_the_new_password_are_limited_again(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**LIMITS)
    owner = add_user(app)
    _lock_out(app, owner)
    _reset_from(app, client_for(app), owner)
    attacker = client_for(app)
    statuses = [
        _rw_guess(attacker, 70 + n, json={"user": {"email": owner.email, "password": f"x{n}"}})
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_registration_answers_of_taken_are_limited_per_client(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(
        RATELIMIT_REGISTER="100 per minute",
        RATELIMIT_REGISTER_ACCOUNT="100 per minute",
        RATELIMIT_REGISTER_TAKEN="2 per hour",
    )
    known = [add_user(app) for _ in range(3)]
    client = client_for(app)

    def sign_up(email: str, n: int, ip: int = 9) -> int:
        body = {"user": {"username": f"probe{n}", "email": email, "password": "p" * 12}}
        return client.post("/api/users", json=body, headers=_from(ip)).status_code

    # Answers that reveal nothing (a bad address) do not use up the budget.
    assert [sign_up("not-an-address", n) for n in range(3)] == [422, 422, 422]
    assert [sign_up(user.email, n) for n, user in enumerate(known)] == [409, 409, 429]
    # Every face shares the count.
    page = client.post(
        "/auth/register",
        data={"username": "probe9", "email": known[0].email, "password": "p" * 12},
        headers=_from(9),
    )
    assert page.status_code == 429
    # Another client is not affected.
    assert sign_up(known[0].email, 10, ip=10) == 409


def test_seed_db_is_refused_in_production(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    result = app.test_cli_runner().invoke(args=["seed-db", "--users", "2", "--articles", "0"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == DEMO_EMAIL)) is None
