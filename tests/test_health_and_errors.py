"""/api/health and the one error policy, routed by path."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from folio import create_app


def test_health_is_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_the_database_is_unreachable() -> None:
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"},
    )
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_unknown_page_is_an_html_page(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_unknown_api_v1_route_is_json_in_the_v1_shape(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["code"] == 404
    assert body["status"] == "Not Found"
    assert body["errors"]


def test_unknown_realworld_route_is_json_in_the_realworld_shape(client: FlaskClient) -> None:
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert set(response.json) == {"errors"}  # type: ignore[arg-type]


def _boom_app(app_name: str) -> Flask:
    app = create_app(app_name, {"SECRET_KEY": "s" * 40, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom() -> str:
        raise RuntimeError("secret internals")

    return app


def test_an_unexpected_error_is_a_generic_500_without_internals() -> None:
    app = _boom_app("testing")
    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "secret internals" not in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.json["code"] == 500  # type: ignore[index]
    assert "secret internals" not in api.get_data(as_text=True)


def test_error_responses_carry_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
