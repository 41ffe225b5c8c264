"""A database out of reach is a 503 with Retry-After, in each face's shape; a broken
statement is still a 500."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import text

from folio import create_app
from folio.extensions import db

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"


def _app(database_url: str, **overrides: Any) -> Flask:
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False, **overrides},
    )

    @app.get("/api/v1/broken-statement")
    def broken() -> str:
        db.session.execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    return app


def test_an_unreachable_database_answers_503_with_retry_after_on_the_api() -> None:
    response = _app(UNREACHABLE).test_client().get("/api/v1/articles")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["code"] == 503
    assert "database" in body["errors"]
    assert "nobody" not in response.get_data(as_text=True)


def test_an_unreachable_database_answers_503_on_the_realworld_api_and_pages() -> None:
    client = _app(UNREACHABLE).test_client()
    realworld = client.get("/api/articles")
    assert realworld.status_code == 503
    assert realworld.json == {"errors": {"database": ["is briefly unavailable; try again shortly"]}}
    page = client.get("/")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert page.headers["Retry-After"].isdigit()


def test_a_broken_statement_is_still_a_500(tmp_path: Any) -> None:
    app = _app(f"sqlite:///{tmp_path / 'empty.db'}")
    response = app.test_client().get("/api/v1/broken-statement")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert "no_such_table" not in response.get_data(as_text=True)


def test_a_locked_sqlite_database_is_a_503(tmp_path: Any) -> None:
    # No waiting for the lock: the other writer holds it for the whole test.
    app = _app(f"sqlite:///{tmp_path / 'locked.db'}", SQLITE_BUSY_TIMEOUT_MS=0)

    @app.post("/api/v1/write")
    def write_something() -> str:
        db.session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        return "written"

    with sqlite3.connect(tmp_path / "locked.db") as holder:
        holder.execute("BEGIN EXCLUSIVE")
        response = app.test_client().post("/api/v1/write", json={})
        holder.rollback()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
