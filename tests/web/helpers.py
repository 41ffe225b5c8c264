"""Helpers for page tests: sign in through the real form, read the page's text."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import g, has_app_context
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from folio.extensions import db
from folio.models import User
from tests.conftest import TEST_PASSWORD


class CommittingClient(FlaskClient):
    """Commits the test's session before each request.

    While a test holds an app context (the ``session`` fixture), requests reuse it and so
    share its session and ``g``: a view's rollback (every error page) would also undo the test's
    unflushed-to-a-savepoint data. Committing first releases the test's savepoint; the
    outer transaction is still rolled back after the test.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        if has_app_context():
            db.session.commit()
            # The shared app context also keeps ``g`` (Flask-Login caches the user there):
            # start each request with an empty one, as a real server would.
            for key in list(g):
                g.pop(key, None)
        return super().open(*args, **kwargs)


def sign_in_through_the_session(client: FlaskClient, user: User) -> None:
    """Signed in as Flask-Login would leave the session, without the sign-in request:
    for tests of what a signed-in person sees, not of signing in."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def sign_in(client: FlaskClient, user: User, *, remember: bool = False) -> TestResponse:
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def text(response: TestResponse) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def csrf_token_from(response: TestResponse) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def field_error(response: TestResponse, field_id: str) -> str:
    """The error text shown next to one field (empty when there is none)."""
    html = response.get_data(as_text=True)
    match = re.search(
        rf'<div class="field-errors" id="{re.escape(field_id)}-error">(.*?)</div>', html, re.S
    )
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else ""


def input_value(response: TestResponse, field_id: str) -> str | None:
    html = response.get_data(as_text=True)
    match = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


def textarea_value(response: TestResponse, field_id: str) -> str | None:
    html = response.get_data(as_text=True)
    match = re.search(
        rf'<textarea[^>]*id="{re.escape(field_id)}"[^>]*>(.*?)</textarea>', html, re.S
    )
    return unescape(match.group(1)).lstrip("\r\n") if match else None
