"""The editor: new, edit, preview, publish, unpublish, delete."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import encode_multipart

from folio.models import Article, User
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import field_error, input_value, sign_in, text, textarea_value


def _form(fields: dict[str, str], content_type: str) -> dict[str, Any]:
    """Request arguments for a form body; multipart is encoded in memory (the test client
    would spool a large one to a temporary file it never closes)."""
    if content_type == "multipart/form-data":
        boundary, body = encode_multipart(fields)
        return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
    return {"data": fields, "content_type": content_type}


def _article(session: Session, title: str) -> Article | None:
    return session.scalar(select(Article).where(Article.title == title))


def test_editor_needs_sign_in(client: FlaskClient) -> None:
    response = client.get("/articles/new")
    assert response.status_code == 302
    assert response.location == "/auth/login?next=/articles/new"


def test_editor_page_has_labelled_fields_and_no_store(signed_in: FlaskClient) -> None:
    response = signed_in.get("/articles/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for field in ("title", "description", "body", "tags"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html


def test_save_a_draft_then_publish_it(signed_in: FlaskClient, session: Session, user: User) -> None:
    response = signed_in.post(
        "/articles/new", data={"title": "Half an idea", "body": "", "action": "draft"}
    )
    assert response.status_code == 302
    article = _article(session, "Half an idea")
    assert article is not None
    assert not article.is_published
    assert response.location == f"/articles/{article.slug}"
    page = signed_in.get(response.location)
    assert "Draft saved" in text(page)
    assert "Half an idea" not in text(signed_in.get("/"))
    # Publishing needs a description and a body: the editor names them.
    edit = signed_in.post(
        f"/articles/{article.slug}/edit",
        data={"title": "Half an idea", "description": "", "body": "", "action": "publish"},
    )
    assert edit.status_code == 422
    assert field_error(edit, "description") == "Description can't be blank"
    assert field_error(edit, "body") == "Body can't be blank"
    done = signed_in.post(
        f"/articles/{article.slug}/edit",
        data={
            "title": "A whole idea",
            "description": "Now complete",
            "body": "All of it.",
            "tags": "Ideas, Big Thoughts",
            "action": "publish",
        },
    )
    assert done.status_code == 302
    session.expire_all()
    article = _article(session, "A whole idea")
    assert article is not None
    assert article.is_published
    assert "A whole idea" in text(signed_in.get("/"))
    assert 'href="/tags/big-thoughts"' in signed_in.get(done.location).get_data(as_text=True)


def test_publish_at_once(signed_in: FlaskClient, session: Session) -> None:
    response = signed_in.post(
        "/articles/new",
        data={"title": "Ready", "description": "d", "body": "b", "action": "publish"},
    )
    assert response.status_code == 302
    assert "Your article is published." in text(signed_in.get(response.location))
    assert "Ready" in text(signed_in.get("/"))


def test_editor_errors_sit_by_the_field_and_keep_what_was_typed(
    signed_in: FlaskClient, session: Session
) -> None:
    response = signed_in.post(
        "/articles/new",
        data={
            "title": "",
            "description": "Kept <description>",
            "body": "Kept body\nline two",
            "tags": "kept, tags",
            "action": "publish",
        },
    )
    assert response.status_code == 422
    assert field_error(response, "title") == "Title can't be blank"
    assert input_value(response, "description") == "Kept <description>"
    assert textarea_value(response, "body") == "Kept body\nline two"
    assert input_value(response, "tags") == "kept, tags"
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_too_many_tags_are_reported_on_the_tags_field(signed_in: FlaskClient) -> None:
    tags = ", ".join(f"t{n}" for n in range(11))
    response = signed_in.post("/articles/new", data={"title": "Tags", "tags": tags})
    assert response.status_code == 422
    assert "too many tags" in field_error(response, "tags")


def test_preview_without_javascript_rerenders_the_editor(
    signed_in: FlaskClient, session: Session
) -> None:
    response = signed_in.post(
        "/articles/new", data={"title": "P", "body": "# Big\n\n<b>raw</b>", "action": "preview"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Big</h1>" in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html
    assert _article(session, "P") is None


def test_preview_endpoint_returns_sanitised_html(signed_in: FlaskClient) -> None:
    response = signed_in.post(
        "/articles/preview",
        data={"body": "**hi** [x](javascript:alert(1))"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    html = response.json["html"]  # type: ignore[index]
    assert "<strong>hi</strong>" in html
    assert 'href="javascript:' not in html


def test_preview_endpoint_needs_sign_in(client: FlaskClient) -> None:
    response = client.post(
        "/articles/preview", data={"body": "x"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_one_megabyte_article_saves(
    signed_in: FlaskClient, session: Session, content_type: str
) -> None:
    # Werkzeug's 500 kB per-field limit applies to multipart forms; the editor raises it.
    body = ("A long line of Markdown text that goes on. " * 23 + "\n\n") * 1000
    body = body[:999_000]
    assert len(body.encode()) > 900_000
    fields = {"title": "Long read", "description": "Very long", "body": body, "action": "publish"}
    response = signed_in.post("/articles/new", **_form(fields, content_type))
    assert response.status_code == 302
    article = _article(session, "Long read")
    assert article is not None
    assert len(article.body) == len(body)


def test_other_forms_keep_the_default_field_limit(signed_in: FlaskClient, session: Session) -> None:
    article = ArticleFactory(slug="limits")
    response = signed_in.post(
        f"/articles/{article.slug}/comments",
        **_form({"body": "x" * 600_000}, "multipart/form-data"),
    )
    assert response.status_code == 413


def test_edit_is_for_the_author_only(client: FlaskClient, session: Session, user: User) -> None:
    ArticleFactory(slug="theirs")
    sign_in(client, user)
    assert client.get("/articles/theirs/edit").status_code == 403
    assert client.post("/articles/theirs/edit", data={"title": "Mine now"}).status_code == 403


def test_edit_form_is_filled_with_the_article(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(slug="fill", title="Filled", author=user, tags=["x", "y"], body="Body text")
    response = signed_in.get("/articles/fill/edit")
    assert input_value(response, "title") == "Filled"
    assert input_value(response, "tags") == "x, y"
    assert textarea_value(response, "body") == "Body text"


def test_edit_published_article_keeps_its_slug(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(slug="stable", title="Old title", author=user)
    response = signed_in.post(
        "/articles/stable/edit",
        data={"title": "New title", "description": "d", "body": "b", "action": "save"},
    )
    assert response.status_code == 302
    assert response.location == "/articles/stable"
    assert "Changes saved." in text(signed_in.get("/articles/stable"))


def test_edit_missing_article_is_404(signed_in: FlaskClient) -> None:
    assert signed_in.get("/articles/nope/edit").status_code == 404


def test_unpublish_and_publish_buttons(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(slug="toggle", title="Toggle me", author=user)
    response = signed_in.post("/articles/toggle/unpublish")
    assert response.status_code == 302
    assert "is a draft again" in text(signed_in.get("/articles/toggle"))
    assert "Toggle me" not in text(signed_in.get("/"))
    assert signed_in.post("/articles/toggle/publish").status_code == 302
    assert "Toggle me" in text(signed_in.get("/"))


def test_publishing_an_incomplete_draft_sends_back_to_the_editor(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(slug="thin", author=user, draft=True, description="", body="")
    response = signed_in.post("/articles/thin/publish")
    assert response.status_code == 302
    assert response.location == "/articles/thin/edit"
    assert "Add a description and a body" in text(signed_in.get(response.location))


def test_others_cannot_unpublish_or_publish(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="not-mine")
    assert signed_in.post("/articles/not-mine/unpublish").status_code == 403
    assert signed_in.post("/articles/not-mine/publish").status_code == 403


def test_delete_asks_for_confirmation_then_deletes(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(slug="doomed", title="Doomed", author=user)
    confirm = signed_in.get("/articles/doomed/delete")
    assert confirm.status_code == 200
    assert "Delete “Doomed”?" in text(confirm)
    assert signed_in.get("/articles/doomed").status_code == 200  # GET changed nothing
    response = signed_in.post("/articles/doomed/delete")
    assert response.status_code == 302
    assert response.location == "/me/articles"
    assert "was deleted" in text(signed_in.get(response.location))
    assert signed_in.get("/articles/doomed").status_code == 404


def test_others_cannot_delete(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="safe")
    assert signed_in.get("/articles/safe/delete").status_code == 403
    assert signed_in.post("/articles/safe/delete").status_code == 403


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/articles/new", {"title": "x"}),
        ("post", "/articles/x/publish", {}),
        ("post", "/articles/x/unpublish", {}),
        ("post", "/articles/x/delete", {}),
        ("get", "/articles/x/edit", {}),
    ],
)
def test_writer_actions_need_sign_in(
    client: FlaskClient, method: str, url: str, data: dict[str, Any]
) -> None:
    response = getattr(client, method)(url, data=data)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


def test_admin_may_see_but_not_edit_a_draft(client: FlaskClient, session: Session) -> None:
    admin = UserFactory(admin=True)
    ArticleFactory(slug="private", draft=True)
    sign_in(client, admin)
    assert client.get("/articles/private").status_code == 200
    assert client.get("/articles/private/edit").status_code == 403
