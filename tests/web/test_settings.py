"""Settings: profile, email, password, sign out everywhere, closing the account."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import UserFactory
from tests.web.helpers import field_error, input_value, sign_in, text


def test_settings_needs_sign_in(client: FlaskClient) -> None:
    assert client.get("/settings").location == "/auth/login?next=/settings"


def test_settings_shows_the_current_profile(signed_in: FlaskClient) -> None:
    response = signed_in.get("/settings")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert input_value(response, "username") == "alice"
    assert input_value(response, "display_name") == "Alice Liddell"
    assert input_value(response, "email-email") == "alice@example.com"


def test_update_profile(signed_in: FlaskClient, session: Session, user: User) -> None:
    response = signed_in.post(
        "/settings",
        data={
            "username": "alice2",
            "display_name": "Alice L.",
            "bio": "Down the rabbit hole",
            "image_url": "https://img.example/a.png",
        },
    )
    assert response.status_code == 302
    assert "Your profile is saved." in text(signed_in.get("/settings"))
    page = signed_in.get("/@alice2")
    assert "Down the rabbit hole" in text(page)
    session.refresh(user)
    # Kept for the APIs' clients; the pages draw uploads only (the CSP).
    assert user.image_url == "https://img.example/a.png"
    assert user.email_notifications is False


def test_profile_errors_keep_what_was_typed(signed_in: FlaskClient, session: Session) -> None:
    UserFactory(username="taken")
    response = signed_in.post(
        "/settings",
        data={"username": "taken", "display_name": "Kept name", "image_url": "ftp://x"},
    )
    assert response.status_code in (409, 422)
    assert input_value(response, "display_name") == "Kept name"
    assert field_error(response, "image_url") == "Picture URL for apps must be an http or https URL"


def test_username_taken_is_reported_by_the_field(signed_in: FlaskClient, session: Session) -> None:
    UserFactory(username="taken")
    response = signed_in.post("/settings", data={"username": "TAKEN"})
    assert response.status_code == 409
    assert field_error(response, "username") == "Username has already been taken"
    assert input_value(response, "username") == "TAKEN"


def test_change_email_needs_the_current_password(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    response = signed_in.post(
        "/settings/email",
        data={"email-email": "new@example.com", "email-current_password": "wrong-password"},
    )
    assert response.status_code == 422
    assert field_error(response, "email-current_password") == "Current password is incorrect"
    assert input_value(response, "email-email") == "new@example.com"
    ok = signed_in.post(
        "/settings/email",
        data={"email-email": "new@example.com", "email-current_password": TEST_PASSWORD},
    )
    assert ok.status_code == 302
    session.refresh(user)
    assert user.email == "new@example.com"


def test_invalid_email_is_named(signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/settings/email",
        data={"email-email": "not-an-email", "email-current_password": TEST_PASSWORD},
    )
    assert response.status_code == 422
    assert field_error(response, "email-email") == "New email is invalid"


def test_change_password_signs_out_other_sessions_but_not_this_one(
    app, signed_in: FlaskClient, session: Session, user: User
) -> None:
    other = app.test_client()
    sign_in(other, user)
    assert other.get("/settings").status_code == 200
    response = signed_in.post(
        "/settings/password",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": "a-brand-new-secret",
            "pw-confirm": "a-brand-new-secret",
        },
    )
    assert response.status_code == 302
    assert "every other device was signed out" in text(signed_in.get("/settings"))
    assert other.get("/settings").status_code == 302


def test_change_password_errors(signed_in: FlaskClient) -> None:
    mismatch = signed_in.post(
        "/settings/password",
        data={
            "pw-current_password": TEST_PASSWORD,
            "pw-new_password": "a-brand-new-secret",
            "pw-confirm": "something-else",
        },
    )
    assert mismatch.status_code == 422
    assert field_error(mismatch, "pw-confirm") == "Repeat new password does not match."
    short = signed_in.post(
        "/settings/password",
        data={"pw-current_password": "", "pw-new_password": "short", "pw-confirm": "short"},
    )
    assert short.status_code == 422
    assert "too short" in field_error(short, "pw-new_password")
    assert field_error(short, "pw-current_password") == "Current password can't be blank"


def test_sign_out_everywhere_keeps_this_browser(app, signed_in: FlaskClient, user: User) -> None:
    other = app.test_client()
    sign_in(other, user)
    response = signed_in.post("/settings/sign-out-everywhere")
    assert response.status_code == 302
    assert signed_in.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302


def test_close_account(signed_in: FlaskClient, session: Session, user: User) -> None:
    wrong = signed_in.post("/settings/deactivate", data={"close-current_password": "nope-nope"})
    assert wrong.status_code == 422
    assert field_error(wrong, "close-current_password") == "Current password is incorrect"
    response = signed_in.post(
        "/settings/deactivate", data={"close-current_password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert "Your account is closed." in text(signed_in.get("/"))
    assert signed_in.get("/settings").status_code == 302
    assert signed_in.get("/@alice").status_code == 404
