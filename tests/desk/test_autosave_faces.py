"""Autosave through both faces: the editor's JSON endpoints (session, CSRF header) and
/api/v1 (bearer token). Readers see a published article unchanged until Publish update."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from folio.extensions import db
from folio.models import Article, PendingEdit, User
from tests.api.conftest import Account, assert_error
from tests.desk.test_autosave_rules import changes
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import csrf_token_from, text, textarea_value


def reader_sees(client: FlaskClient, slug: str) -> str:
    return text(client.get(f"/articles/{slug}"))


def pending_body(session: Session) -> str | None:
    session.expire_all()
    return db.session.scalar(select(PendingEdit.body))


# --- the editor's JSON endpoints ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/articles/autosave",
        "/articles/any/autosave",
        "/articles/any/publish-update",
        "/articles/any/discard-pending",
    ],
)
def test_signed_out_the_endpoints_answer_401_json(client: FlaskClient, url: str) -> None:
    response = client.post(url, json={"body": "x", "version": 1})
    assert response.status_code == 401
    assert response.get_json() == {"errors": {"session": ["sign in to continue"]}}


def test_a_new_editor_autosave_creates_the_draft_and_names_its_edit_url(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    response = signed_in.post(
        "/articles/autosave",
        json={"title": "Fresh", "body": "First words.", "tags": "garden, soil"},
    )
    assert response.status_code == 201
    saved = response.get_json()
    assert saved["edit_url"] == f"/articles/{saved['slug']}/edit"
    assert (saved["created"], saved["status"], saved["pending"]) == (True, "draft", False)
    article = db.session.scalar(
        select(Article).where(Article.slug == saved["slug"]).options(selectinload(Article.tags))
    )
    assert article is not None
    assert (article.body, article.tag_names, article.version) == (
        "First words.",
        ["garden", "soil"],
        saved["version"],
    )


def test_a_published_article_changes_for_readers_only_when_the_update_is_published(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(author=user, slug="live", title="Live", body="Old words.")
    saved = signed_in.post(
        "/articles/live/autosave",
        json={**changes("New words.", title="Live"), "version": 1, "editing_session": "tab-1"},
    ).get_json()
    assert (saved["pending"], saved["pending_version"], saved["version"]) == (True, 1, 1)
    assert "Old words." in reader_sees(signed_in, "live")
    assert "New words." not in reader_sees(signed_in, "live")
    # The editor opens the pending edit, and says so.
    editor = signed_in.get("/articles/live/edit")
    assert textarea_value(editor, "body") == "New words."
    assert "Unpublished changes from" in text(editor)
    published = signed_in.post(
        "/articles/live/publish-update",
        json={"pending_version": 1},
        headers={"Accept": "application/json"},
    )
    assert published.get_json() == {"slug": "live", "version": 2, "pending": False}
    assert "New words." in reader_sees(signed_in, "live")
    assert pending_body(session) is None


def test_publish_update_and_discard_work_as_plain_forms(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(author=user, slug="plain", title="Plain", body="Old words.")
    signed_in.post("/articles/plain/autosave", json={**changes("Draft words."), "version": 1})
    discarded = signed_in.post("/articles/plain/discard-pending")
    assert discarded.status_code == 302
    assert discarded.location == "/articles/plain/edit"
    assert pending_body(session) is None
    signed_in.post("/articles/plain/autosave", json={**changes("Final words."), "version": 1})
    published = signed_in.post("/articles/plain/publish-update", data={"pending_version": "1"})
    assert published.status_code == 302
    shown = reader_sees(signed_in, "plain")
    assert "Your update is published." in shown
    assert "Final words." in shown


def test_publishing_an_update_that_is_not_there_says_so(signed_in: FlaskClient, user: User) -> None:
    ArticleFactory(author=user, slug="none", title="None", body="Words.")
    answer = signed_in.post("/articles/none/publish-update", json={})
    assert answer.status_code == 404
    assert answer.get_json() == {"errors": {"pending_edit": ["not found"]}}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x"}, "version"),
        ({"body": "x", "version": "seven"}, "version"),
        ({"body": "x", "version": True}, "version"),
        ({"body": "x", "version": 1, "pending_version": [1]}, "pending_version"),
        ({"body": 5, "version": 1}, "body"),
        ({"body": "x", "tags": {"a": 1}, "version": 1}, "tags"),
        ({"body": "x", "version": 1, "editing_session": 3}, "editing_session"),
        ([1, 2], "body"),
    ],
)
def test_bad_autosave_input_is_a_400_naming_the_field_and_changes_nothing(
    signed_in: FlaskClient, session: Session, user: User, payload: Any, field: str
) -> None:
    ArticleFactory(author=user, slug="kept", title="Kept", body="Kept.")
    answer = signed_in.post("/articles/kept/autosave", json=payload)
    assert answer.status_code == 400
    assert field in answer.get_json()["errors"]
    assert pending_body(session) is None


def test_a_body_that_is_not_json_is_a_400(signed_in: FlaskClient, user: User) -> None:
    answer = signed_in.post("/articles/autosave", data="title=x", content_type="text/plain")
    assert answer.status_code == 400
    assert answer.get_json() == {"errors": {"body": ["must be a JSON object"]}}


def test_someone_elses_article_cannot_be_autosaved(
    signed_in: FlaskClient, session: Session
) -> None:
    ArticleFactory(author=UserFactory(), slug="theirs", title="Theirs", body="Theirs.")
    answer = signed_in.post("/articles/theirs/autosave", json={**changes("Mine!"), "version": 1})
    assert answer.status_code == 403
    assert pending_body(session) is None


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_autosave_needs_the_csrf_header(
    app: Flask, signed_in: FlaskClient, session: Session, user: User, app_overrides: Any
) -> None:
    ArticleFactory(author=user, slug="guarded", title="Guarded", body="Words.")
    refused = signed_in.post("/articles/guarded/autosave", json={**changes("x"), "version": 1})
    assert refused.status_code == 400
    assert "csrf_token" in refused.get_json()["errors"]
    token = csrf_token_from(signed_in.get("/articles/guarded/edit"))
    accepted = signed_in.post(
        "/articles/guarded/autosave",
        json={**changes("With the header."), "version": 1},
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 200
    assert pending_body(session) == "With the header."


def test_the_editor_carries_the_versions_it_started_from(
    signed_in: FlaskClient, user: User
) -> None:
    ArticleFactory(author=user, slug="versions", title="Versions", body="Words.")
    html = signed_in.get("/articles/versions/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="version"[^>]*value="1"', html)
    assert re.search(r'<input[^>]*id="pending_version"[^>]*value=""', html)
    assert 'data-autosave-url="/articles/versions/autosave"' in html
    assert "js/editor.js" in html


# --- /api/v1 ----------------------------------------------------------------------------------


def test_api_put_pending_keeps_a_published_article_unchanged_until_published(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, body="Old words.")
    put = client.put(
        f"/api/v1/articles/{slug}/pending",
        json={"title": "T", "description": "D", "body": "New words.", "tags": ["x"], "version": 1},
        headers=alice.headers,
    )
    assert put.status_code == 200, put.get_json()
    assert (put.get_json()["pending"], put.get_json()["pending_version"]) == (True, 1)
    assert client.get(f"/api/v1/articles/{slug}").get_json()["body"] == "Old words."
    pending = client.get(f"/api/v1/articles/{slug}/pending", headers=alice.headers).get_json()
    assert (pending["body"], pending["tags"], pending["by"]) == ("New words.", ["x"], "alice")
    published = client.post(
        f"/api/v1/articles/{slug}/pending/publish",
        json={"pending_version": 1},
        headers=alice.headers,
    )
    assert published.status_code == 200
    assert published.get_json()["body"] == "New words."
    assert published.headers["ETag"]
    assert client.get(f"/api/v1/articles/{slug}").get_json()["body"] == "New words."
    after = client.get(f"/api/v1/articles/{slug}/pending", headers=alice.headers).get_json()
    assert (after["pending"], after["body"], after["version"]) == (False, "New words.", 2)


def test_api_put_on_a_draft_changes_the_draft(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True, body="Draft.")
    put = client.put(
        f"/api/v1/articles/{slug}/pending",
        json={"title": "Draft title", "body": "Draft, longer.", "version": 1},
        headers=alice.headers,
    )
    assert (put.get_json()["pending"], put.get_json()["slug"]) == (False, "draft-title")
    article = client.get("/api/v1/articles/draft-title", headers=alice.headers).get_json()
    assert (article["body"], article["version"]) == ("Draft, longer.", 2)


def test_api_delete_discards_and_publish_without_pending_is_404(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, body="Old.")
    client.put(
        f"/api/v1/articles/{slug}/pending",
        json={"body": "Gone.", "version": 1},
        headers=alice.headers,
    )
    assert (
        client.delete(f"/api/v1/articles/{slug}/pending", headers=alice.headers).status_code == 204
    )
    assert_error(
        client.post(f"/api/v1/articles/{slug}/pending/publish", json={}, headers=alice.headers),
        404,
        "pending_edit",
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x"}, "version"),
        ({"body": "x", "version": "1"}, "version"),
        ({"body": "x", "version": 1, "author": "bob"}, "author"),
        ({"body": "x", "version": 1, "tags": ["t"] * 11}, "tags"),
    ],
)
def test_api_bad_input_is_named_and_changes_nothing(
    client: FlaskClient,
    alice: Account,
    make_article: Callable[..., str],
    payload: dict[str, Any],
    field: str,
) -> None:
    slug = make_article(alice, body="Old.")
    answer = client.put(f"/api/v1/articles/{slug}/pending", json=payload, headers=alice.headers)
    assert_error(answer, 422, field)
    pending = client.get(f"/api/v1/articles/{slug}/pending", headers=alice.headers).get_json()
    assert pending["pending"] is False


def test_api_someone_elses_pending_edit_is_not_found(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, body="Alice's.")
    for method, url in (
        ("GET", f"/api/v1/articles/{slug}/pending"),
        ("PUT", f"/api/v1/articles/{slug}/pending"),
        ("DELETE", f"/api/v1/articles/{slug}/pending"),
        ("POST", f"/api/v1/articles/{slug}/pending/publish"),
    ):
        body = (
            {"body": "Bob's.", "version": 1}
            if method == "PUT"
            else ({} if method == "POST" else None)
        )
        assert_error(
            client.open(url, method=method, json=body, headers=bob.headers), 404, "article"
        )
