"""The served OpenAPI document and the Swagger UI page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.get_json())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_the_spec_validates_as_openapi_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_every_api_route_is_documented(app: Flask, spec: dict[str, Any]) -> None:
    documented = {
        (re.sub(r"{(\w+)}", r"<\1>", path), method.upper()) for path, method, _ in operations(spec)
    }
    served = {
        (re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"<\1>", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] != "api-docs"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert served == documented


def test_every_operation_documents_its_errors_in_the_one_shape(spec: dict[str, Any]) -> None:
    error_ref = {"$ref": "#/components/schemas/Error"}
    for name, response in spec["components"]["responses"].items():
        if name != "NotModified":
            assert response["content"]["application/json"]["schema"] == error_ref, name
    for path, method, op in operations(spec):
        codes = set(op["responses"])
        assert "default" not in codes, (path, method)
        assert not codes & {"500", "5XX"}, (path, method)
        if any(p.get("in") == "query" for p in op.get("parameters", [])):
            assert "422" in codes, (path, method)
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= codes, (path, method)


def test_protected_operations_declare_bearer_auth_and_401(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    protected = {
        (path, method)
        for path, method, op in operations(spec)
        if op.get("security") == [{"bearerAuth": []}]
    }
    assert ("/api/v1/me", "get") in protected
    assert ("/api/v1/articles", "post") in protected
    assert ("/api/v1/feed", "get") in protected
    assert ("/api/v1/auth/tokens", "post") not in protected
    assert ("/api/v1/articles", "get") not in protected
    for path, method, op in operations(spec):
        if op.get("security") == [{"bearerAuth": []}]:
            assert "401" in op["responses"], (path, method)
        elif op.get("security"):
            # Optional: a bad token is ignored, and the answer says so.
            assert "401" not in op["responses"], (path, method)
            assert "X-Folio-Token" in op["responses"]["200"]["headers"], (path, method)


def test_rate_limited_operations_document_429_with_retry_after(spec: dict[str, Any]) -> None:
    limited = {(path, method) for path, method, op in operations(spec) if "429" in op["responses"]}
    assert limited == {
        ("/api/v1/auth/tokens", "post"),
        ("/api/v1/users", "post"),
        ("/api/v1/articles/{slug}/comments", "post"),
        ("/api/v1/media", "post"),
        ("/api/v1/me/avatar", "put"),
        ("/api/v1/articles", "post"),
        ("/api/v1/articles/{slug}", "patch"),
        ("/api/v1/articles/{slug}/pending", "put"),
        ("/api/v1/articles/{slug}/pending/publish", "post"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks/{endpoint_id}/test", "post"),
        ("/api/v1/webhooks/deliveries/{delivery_id}/redeliver", "post"),
        ("/api/v1/exports", "post"),
        ("/api/v1/newsletter/subscriptions", "post"),
    }
    assert "Retry-After" in spec["components"]["responses"]["RateLimited"]["headers"]


def test_public_user_json_has_no_email(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "email" not in schemas["Profile"]["properties"]
    assert "email" in schemas["Me"]["properties"]


def test_inputs_cannot_carry_server_owned_fields(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for name in ("ArticleCreate", "ArticleUpdate"):
        fields = set(schemas[name]["properties"])
        assert not fields & {"author", "status", "published_at", "favorites_count", "slug"}
    assert not set(schemas["MeUpdate"]["properties"]) & {"role", "is_active", "password"}


def test_the_guide_walks_from_registering_to_publishing(spec: dict[str, Any]) -> None:
    guide = spec["info"]["description"]
    for step in (
        "POST /api/v1/users",
        "POST /api/v1/auth/tokens",
        "Authorize",
        "POST /api/v1/articles",
        "/publish",
    ):
        assert step in guide


def test_swagger_ui_is_served_locally_under_the_csp(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    # No inline script: every <script> has a src on this site.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', html)
    assert len(assets) >= 5
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        served.close()
    assert "http" not in "".join(assets)  # nothing from a CDN


def test_the_swagger_ui_licence_ships_with_it(client: FlaskClient) -> None:
    response = client.get("/static/vendor/swagger-ui/LICENSE")
    assert response.status_code == 200
    assert "Apache License" in response.get_data(as_text=True)
    response.close()


def test_every_protected_operation_refuses_an_anonymous_call(
    client: FlaskClient, spec: dict[str, Any]
) -> None:
    protected = [
        (path, method)
        for path, method, op in operations(spec)
        if op.get("security") == [{"bearerAuth": []}]
    ]
    assert len(protected) >= 15
    for path, method in protected:
        url = re.sub(r"{\w+}", "anything", re.sub(r"{\w+_id}", "1", path))
        body = {} if method in ("post", "patch") else None
        response = client.open(url, method=method.upper(), json=body)
        assert response.status_code == 401, (method, path, response.get_json())
        assert response.get_json()["errors"] == {"token": ["is missing"]}
