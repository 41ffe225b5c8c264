"""A stale version never overwrites: the rules raise a conflict carrying both texts, the
editor's JSON and /api/v1 answer 409 with them, the page's plain Save shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import autosave
from folio.articles import rules as articles
from folio.extensions import db
from folio.models import Article, PendingEdit, User
from tests.api.conftest import Account, assert_error
from tests.desk.test_autosave_rules import changes
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import input_value, text, textarea_value

# --- the rules ------------------------------------------------------------------------------


def test_a_stale_version_raises_a_conflict_with_both_texts_and_changes_nothing(
    session: Session,
) -> None:
    author = UserFactory(username="twotabs")
    draft = ArticleFactory(author=author, draft=True, title="Tabs", body="Base.")
    autosave.autosave(session, author, draft, changes("From tab one.", title="Tabs"), version=1)
    with pytest.raises(autosave.EditConflict) as raised:
        autosave.autosave(session, author, draft, changes("From tab two."), version=1)
    conflict = raised.value
    assert conflict.status_code == 409
    assert (conflict.mine.body, conflict.mine.version) == ("From tab two.", 1)
    assert (conflict.theirs.body, conflict.theirs.version, conflict.theirs.by) == (
        "From tab one.",
        2,
        "twotabs",
    )
    assert "version" in conflict.errors
    assert draft.body == "From tab one."


def test_two_editors_of_one_pending_edit_conflict_on_its_own_version(session: Session) -> None:
    author = UserFactory()
    article = ArticleFactory(author=author, body="Published.")
    autosave.autosave(session, author, article, changes("Laptop."), version=1)
    # The phone opened the editor before the laptop's autosave: no pending version.
    with pytest.raises(autosave.EditConflict) as raised:
        autosave.autosave(session, author, article, changes("Phone."), version=1)
    assert raised.value.theirs.body == "Laptop."
    assert raised.value.theirs.pending_version == 1
    # Keep mine: save again on the current base.
    kept = autosave.autosave(
        session, author, article, changes("Phone."), version=1, pending_version=1
    )
    assert kept.pending is not None
    assert kept.pending.body == "Phone."


def test_publishing_a_pending_edit_written_on_an_older_article_is_a_conflict(
    session: Session,
) -> None:
    author = UserFactory()
    article = ArticleFactory(author=author, body="Published.")
    autosave.autosave(session, author, article, changes("Pending."), version=1)
    # Meanwhile an API client changed the article itself (PATCH leaves the pending edit).
    articles.update_article(session, author, article, {"body": "Changed by the API."})
    with pytest.raises(autosave.EditConflict) as raised:
        autosave.publish_pending(session, author, article)
    assert (raised.value.mine.body, raised.value.theirs.body) == ("Pending.", "Changed by the API.")
    assert db.session.scalar(select(PendingEdit.body)) == "Pending."
    assert article.body == "Changed by the API."


# --- the editor's JSON ----------------------------------------------------------------------


def test_a_stale_autosave_answers_409_with_both_texts(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    article = ArticleFactory(author=user, slug="shared", title="Shared", body="Start.")
    first = signed_in.post(
        "/articles/shared/autosave", json={**changes("One."), "title": "Shared", "version": 1}
    )
    assert first.get_json()["pending_version"] == 1
    stale = signed_in.post("/articles/shared/autosave", json={**changes("Two."), "version": 1})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["conflict"]["mine"]["body"] == "Two."
    assert body["conflict"]["theirs"]["body"] == "One."
    assert body["conflict"]["theirs"]["pending_version"] == 1
    assert body["conflict"]["theirs"]["by"] == "Alice Liddell"
    assert body["errors"]["version"]
    session.expire_all()
    assert db.session.scalar(select(PendingEdit.body)) == "One."
    assert article.body == "Start."


# --- the page's plain Save (no script) ---------------------------------------------------------


def test_a_plain_save_on_a_stale_version_shows_both_texts_and_keeps_the_writers(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    article = ArticleFactory(author=user, slug="plain", title="Plain", body="Start.", draft=True)
    editor = signed_in.get("/articles/plain/edit")
    assert input_value(editor, "version") == "1"
    # Another tab saves first.
    signed_in.post(
        "/articles/plain/autosave", json={**changes("Other tab."), "title": "Plain", "version": 1}
    )
    form = {"title": "Plain", "description": "", "body": "This tab.", "version": "1"}
    answer = signed_in.post("/articles/plain/edit", data={**form, "action": "draft"})
    assert answer.status_code == 409
    page = text(answer)
    assert "This article changed since you opened it" in page
    assert "It was saved by Alice Liddell" in page
    assert textarea_value(answer, "conflict-theirs") == "Plain\n\nOther tab."
    assert textarea_value(answer, "body") == "This tab."
    # The form now stands on the current version: saving again keeps the writer's text.
    assert input_value(answer, "version") == "2"
    session.expire_all()
    assert db.session.get(Article, article.id).body == "Other tab."  # type: ignore[union-attr]
    kept = signed_in.post("/articles/plain/edit", data={**form, "version": "2", "action": "draft"})
    assert kept.status_code == 302
    session.expire_all()
    assert db.session.get(Article, article.id).body == "This tab."  # type: ignore[union-attr]


def test_a_forged_version_on_the_page_is_refused_and_changes_nothing(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(author=user, slug="forged", title="Forged", body="Start.", draft=True)
    answer = signed_in.post(
        "/articles/forged/edit",
        data={"title": "Forged", "body": "Overwrite?", "version": "1; drop", "action": "draft"},
    )
    assert answer.status_code == 400
    assert "Version is not valid: reload the editor" in text(answer)
    assert textarea_value(answer, "body") == "Overwrite?"
    session.expire_all()
    assert db.session.scalar(select(Article.body).where(Article.slug == "forged")) == "Start."


# --- /api/v1 -----------------------------------------------------------------------------------


def test_api_a_stale_put_answers_409_in_the_error_shape_with_both_texts(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, body="Published.")
    fields: dict[str, Any] = {"title": "T", "body": "Laptop.", "version": 1}
    assert (
        client.put(
            f"/api/v1/articles/{slug}/pending", json=fields, headers=alice.headers
        ).status_code
        == 200
    )
    stale = client.put(
        f"/api/v1/articles/{slug}/pending",
        json={**fields, "body": "Phone."},
        headers=alice.headers,
    )
    body = assert_error(stale, 409, "version")
    assert body["conflict"]["mine"]["body"] == "Phone."
    assert body["conflict"]["theirs"]["body"] == "Laptop."
    current = client.get(f"/api/v1/articles/{slug}/pending", headers=alice.headers).get_json()
    assert current["body"] == "Laptop."
