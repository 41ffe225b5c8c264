"""The editor: a body too complex to render gets a message on its field; writes are limited."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import encode_multipart

from folio.articles.markdown_limits import MAX_TABLE_COLUMNS
from folio.models import User
from tests.factories import ArticleFactory
from tests.web.helpers import field_error

WIDE_TABLE = "|" + "a|" * (MAX_TABLE_COLUMNS + 1) + "\n|" + "-|" * (MAX_TABLE_COLUMNS + 1) + "\n"
JSON = {"Accept": "application/json"}


def _fields(body: str, action: str = "publish") -> dict[str, str]:
    return {"title": "Wide", "description": "d", "body": body, "action": action}


@pytest.mark.parametrize("action", ["publish", "preview"])
def test_a_body_too_complex_to_render_is_shown_next_to_the_field(
    signed_in: FlaskClient, action: str
) -> None:
    response = signed_in.post("/articles/new", data=_fields(WIDE_TABLE, action))
    assert response.status_code == 422
    assert "columns" in field_error(response, "body")


def test_editing_to_a_body_too_complex_is_refused(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    article = ArticleFactory(author=user, slug="mine", body="fine")
    response = signed_in.post("/articles/mine/edit", data=_fields(WIDE_TABLE, "save"))
    assert response.status_code == 422
    assert "columns" in field_error(response, "body")
    session.refresh(article)
    assert article.body == "fine"


def test_the_preview_endpoint_refuses_with_json_naming_body(signed_in: FlaskClient) -> None:
    response = signed_in.post("/articles/preview", data={"body": WIDE_TABLE}, headers=JSON)
    assert response.status_code == 422
    assert "columns" in response.json["errors"]["body"][0]  # type: ignore[index]


def test_the_preview_of_a_megabyte_of_brackets_answers_promptly(signed_in: FlaskClient) -> None:
    # CPU time of this thread (the test client runs the app in it): what the request
    # costs the server, the same on a machine busy with other work.
    started = time.thread_time()
    # Multipart, encoded in memory: URL-encoded, a megabyte of "[" is three (past
    # MAX_CONTENT_LENGTH), and the test client would spool it to a file it never closes.
    boundary, data = encode_multipart({"body": "[" * 1_000_000})
    response = signed_in.post(
        "/articles/preview",
        data=data,
        headers=JSON,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code in (200, 422)
    assert time.thread_time() - started < 2.0


class TestWriteLimits:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_WRITE": "1 per minute",
            "RATELIMIT_PREVIEW": "1 per minute",
        }

    def test_saving_articles_is_rate_limited_but_the_editor_page_is_not(
        self, signed_in: FlaskClient
    ) -> None:
        assert signed_in.post("/articles/new", data=_fields("one")).status_code == 302
        assert signed_in.post("/articles/new", data=_fields("two")).status_code == 429
        assert signed_in.get("/articles/new").status_code == 200

    def test_editing_is_rate_limited(self, signed_in: FlaskClient, user: User) -> None:
        ArticleFactory(author=user, slug="mine")
        assert signed_in.post("/articles/mine/edit", data=_fields("a", "save")).status_code == 302
        assert signed_in.post("/articles/mine/edit", data=_fields("b", "save")).status_code == 429
        assert signed_in.get("/articles/mine/edit").status_code == 200

    def test_previews_are_rate_limited(self, signed_in: FlaskClient) -> None:
        assert (
            signed_in.post("/articles/preview", data={"body": "x"}, headers=JSON).status_code == 200
        )
        limited = signed_in.post("/articles/preview", data={"body": "y"}, headers=JSON)
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
