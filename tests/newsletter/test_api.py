"""The newsletter in /api/v1: subscribe (public), a writer's list, the article switch."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.auth.tokens import issue_access_token
from folio.extensions import db
from folio.models import Subscriber
from tests.factories import UserFactory
from tests.newsletter.smtp import Inbox


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


def _writer(app: Flask, **fields: Any) -> tuple[int, dict[str, str]]:
    with app.app_context():
        user = UserFactory(**fields)
        db.session.commit()
        return user.id, {"Authorization": f"Bearer {issue_access_token(user)}"}


def _subscriber(app: Flask, email: str, author_id: int | None) -> int:
    with app.app_context():
        row = Subscriber(email=email, author_id=author_id, source="api")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_subscribe_answers_202_alike_and_mails_a_confirmation(
    app: Flask, api: FlaskClient, inbox: Inbox
) -> None:
    author_id, _ = _writer(app, username="ada")
    _subscriber(app, "old@example.com", author_id)
    new = api.post(
        "/api/v1/newsletter/subscriptions", json={"email": "new@example.com", "author": "ada"}
    )
    old = api.post(
        "/api/v1/newsletter/subscriptions", json={"email": "old@example.com", "author": "ada"}
    )
    assert new.status_code == 202
    assert new.get_json() == old.get_json()
    inbox.wait_for("new@example.com")
    assert inbox.to("old@example.com") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"email": 42}, "email"),
        ({"email": "a@example.com\nBcc: b@example.com"}, "email"),
        ({}, "email"),
        ({"email": "a@example.com", "author": "nobody-here"}, "author"),
        ({"email": "a@example.com", "list": "everything"}, "list"),
    ],
)
def test_bad_subscriptions_get_4xx_naming_the_field(
    api: FlaskClient, inbox: Inbox, body: dict[str, Any], field: str
) -> None:
    answer = api.post("/api/v1/newsletter/subscriptions", json=body)
    assert 400 <= answer.status_code < 500
    assert field in answer.get_json()["errors"]
    assert inbox.messages == []


def test_a_writer_lists_and_removes_only_their_subscribers(app: Flask, api: FlaskClient) -> None:
    ada, ada_headers = _writer(app)
    bob, _ = _writer(app)
    mine = _subscriber(app, "mine@example.com", ada)
    theirs = _subscriber(app, "theirs@example.com", bob)
    _subscriber(app, "site@example.com", None)
    listed = api.get("/api/v1/newsletter/subscribers", headers=ada_headers)
    assert listed.status_code == 200
    assert [item["email"] for item in listed.get_json()["items"]] == ["mine@example.com"]
    assert listed.get_json()["total"] == 1
    assert (
        api.get("/api/v1/newsletter/subscribers?list=site", headers=ada_headers).status_code == 403
    )
    assert (
        api.delete(f"/api/v1/newsletter/subscribers/{theirs}", headers=ada_headers).status_code
        == 404
    )
    assert (
        api.delete(f"/api/v1/newsletter/subscribers/{mine}", headers=ada_headers).status_code == 204
    )
    assert api.get("/api/v1/newsletter/subscribers", headers=ada_headers).get_json()["total"] == 0
    beyond_integer = f"/api/v1/newsletter/subscribers/{2**40}"
    assert api.delete(beyond_integer, headers=ada_headers).status_code == 404


def test_an_admin_manages_the_site_list(app: Flask, api: FlaskClient) -> None:
    _, headers = _writer(app, role="admin")
    site = _subscriber(app, "site@example.com", None)
    listed = api.get("/api/v1/newsletter/subscribers?list=site", headers=headers).get_json()
    assert [item["email"] for item in listed["items"]] == ["site@example.com"]
    assert (
        api.delete(f"/api/v1/newsletter/subscribers/{site}?list=site", headers=headers).status_code
        == 204
    )


def test_the_list_needs_a_token(api: FlaskClient) -> None:
    assert api.get("/api/v1/newsletter/subscribers").status_code == 401


def test_articles_carry_the_send_by_email_switch(app: Flask, api: FlaskClient) -> None:
    _, headers = _writer(app)
    made = api.post(
        "/api/v1/articles",
        json={"title": "T", "description": "d", "body": "b", "send_email": False},
        headers=headers,
    )
    assert made.status_code == 201
    assert made.get_json()["send_email"] is False
    slug = made.get_json()["slug"]
    changed = api.patch(f"/api/v1/articles/{slug}", json={"send_email": True}, headers=headers)
    assert changed.status_code == 200
    assert changed.get_json()["send_email"] is True
    default = api.post(
        "/api/v1/articles", json={"title": "U", "description": "d", "body": "b"}, headers=headers
    )
    assert default.get_json()["send_email"] is True
    refused = api.patch(f"/api/v1/articles/{slug}", json={"send_email": "yes"}, headers=headers)
    assert refused.status_code == 422
