"""NUL characters and deeply nested JSON get a 400 naming the field on every face.

On PostgreSQL (TEST_DATABASE_URL) a NUL that reached a query was a 500; so was JSON nested
1,000 deep on /api/v1 (RecursionError). Run this file on both databases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from folio.models import User
from tests.factories import ArticleFactory, UserFactory

NUL_MESSAGE = "must not contain NUL (\\u0000) characters"
DEEP = "[" * 1000 + "]" * 1000


def _errors(response: Any) -> dict[str, list[str]]:
    return response.get_json()["errors"]


@pytest.fixture
def article(session: Any) -> str:
    slug = ArticleFactory(slug="on-nothing", author=UserFactory(username="writer")).slug
    session.commit()
    return str(slug)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/articles?tag=py%00thon", "tag"),
        ("/api/v1/articles?author=a%00", "author"),
        ("/api/v1/articles/on%00nothing", "path"),
        ("/api/v1/users/wri%00ter", "path"),
        ("/api/v1/tags/py%00", "path"),
        ("/api/articles?tag=py%00thon", "tag"),
        ("/api/articles?author=a%00", "author"),
        ("/api/articles?favorited=a%00", "favorited"),
        ("/api/articles/on%00nothing", "path"),
        ("/api/articles/on%00nothing/comments", "path"),
        ("/api/profiles/wri%00ter", "path"),
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400_naming_it(
    client: FlaskClient, article: str, path: str, field: str
) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert _errors(response) == {field: [NUL_MESSAGE]}


@pytest.mark.parametrize(
    "path", ["/@wri%00ter", "/articles/on%00nothing", "/tags/a%00", "/search?q=a%00b"]
)
def test_a_nul_in_a_page_address_is_a_400_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_in_a_sign_in_is_a_400_on_every_face(client: FlaskClient, session: Any) -> None:
    UserFactory(username="owner", email="owner@example.com")
    session.commit()
    rw = client.post(
        "/api/users/login", json={"user": {"email": "owner\u0000@example.com", "password": "x"}}
    )
    assert rw.status_code == 400
    assert _errors(rw) == {"user.email": [NUL_MESSAGE]}
    v1 = client.post(
        "/api/v1/auth/tokens", json={"email": "owner@example.com\u0000", "password": "x"}
    )
    assert v1.status_code == 400
    assert _errors(v1) == {"email": [NUL_MESSAGE]}
    page = client.post("/auth/login", data={"email": "owner\x00@example.com", "password": "x"})
    assert page.status_code == 400
    assert "NUL" in page.get_data(as_text=True)


def test_a_nul_in_an_article_title_or_body_is_a_400(client: FlaskClient, session: Any) -> None:
    from folio.auth.tokens import issue_access_token

    author = UserFactory(username="author")
    session.commit()
    token = issue_access_token(author)
    article = {"title": "Null\u0000island", "description": "d", "body": "b"}
    response = client.post(
        "/api/articles",
        json={"article": article},
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 400
    assert _errors(response) == {"article.title": [NUL_MESSAGE]}
    article = {"title": "Null island", "description": "d", "body": "b\u0000"}
    response = client.post(
        "/api/v1/articles", json=article, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert _errors(response) == {"body": [NUL_MESSAGE]}
    assert session.query(User).count() == 1  # and nothing else broke the transaction


def test_a_written_backslash_u0000_is_text_not_a_nul(client: FlaskClient, session: Any) -> None:
    author = UserFactory(username="escaper")
    session.commit()
    from folio.auth.tokens import issue_access_token

    body = {"title": "Escapes", "description": "d", "body": "Write \\u0000 in JSON for NUL."}
    raw = json.dumps({"article": body})
    assert "\\\\u0000" in raw
    response = client.post(
        "/api/articles",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Token {issue_access_token(author)}"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/auth/tokens", "application/json"),
        ("/api/v1/users", "application/json"),
        ("/api/users/login", "text/plain"),
        ("/api/users", "application/json"),
        ("/auth/login", "application/json"),
    ],
)
def test_json_nested_a_thousand_deep_is_a_400(
    client: FlaskClient, path: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post(path, data=DEEP, content_type=content_type)
    assert response.status_code == 400
    if path.startswith("/api"):
        assert _errors(response) == {"body": ["is nested too deeply (more than 64 levels)"]}
    else:
        assert "nested too deeply" in response.get_data(as_text=True)
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_ordinary_nesting_passes_and_strings_do_not_count() -> None:
    from folio.guards import json_depth

    assert json_depth('{"user": {"tags": ["a", "b"]}}') == 3
    assert json_depth('{"body": "' + "[" * 5000 + '\\"]"}') == 1
    assert json_depth("[" * 100) == 100
