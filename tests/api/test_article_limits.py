"""/api/v1 article writes: hostile bodies answer promptly, and writes are rate-limited."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from folio.articles.markdown_limits import MAX_TABLE_COLUMNS
from tests.api.conftest import Account, assert_error

WIDE_TABLE = "|" + "a|" * (MAX_TABLE_COLUMNS + 1) + "\n|" + "-|" * (MAX_TABLE_COLUMNS + 1) + "\n"


def _article(body: str) -> dict[str, Any]:
    return {"title": "Brackets", "description": "d", "body": body, "publish": True}


def test_a_megabyte_of_brackets_answers_promptly_and_never_500(
    client: FlaskClient, alice: Account
) -> None:
    # CPU time of this thread (the test client runs the app in it): what the request
    # costs the server, the same on a machine busy with other work.
    started = time.thread_time()
    response = client.post(
        "/api/v1/articles", json=_article("[" * 1_000_000), headers=alice.headers
    )
    elapsed = time.thread_time() - started
    assert response.status_code in (201, 422), response.get_data(as_text=True)[:300]
    if response.status_code == 422:
        assert_error(response, 422, "body")
    assert elapsed < 2.0, f"{elapsed:.2f} s"


def test_a_body_too_complex_to_render_is_refused_on_create_and_update(
    client: FlaskClient, alice: Account
) -> None:
    refused = client.post("/api/v1/articles", json=_article(WIDE_TABLE), headers=alice.headers)
    assert "columns" in assert_error(refused, 422, "body")["errors"]["body"][0]
    created = client.post("/api/v1/articles", json=_article("fine"), headers=alice.headers)
    slug = created.get_json()["slug"]
    changed = client.patch(
        f"/api/v1/articles/{slug}", json={"body": WIDE_TABLE}, headers=alice.headers
    )
    assert_error(changed, 422, "body")
    assert client.get(f"/api/v1/articles/{slug}").get_json()["body"] == "fine"


class TestWriteLimits:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_WRITE": "2 per minute"}

    def test_article_writes_are_rate_limited_per_client(
        self, client: FlaskClient, alice: Account
    ) -> None:
        # The client limit counts per operation (the account limit across all of them).
        for body in ("one", "two"):
            created = client.post("/api/v1/articles", json=_article(body), headers=alice.headers)
            assert created.status_code == 201
        limited = client.post("/api/v1/articles", json=_article("three"), headers=alice.headers)
        assert_error(limited, 429)
        assert int(limited.headers["Retry-After"]) > 0
        url = f"/api/v1/articles/{created.get_json()['slug']}"
        for body in ("four", "five"):
            assert client.patch(url, json={"body": body}, headers=alice.headers).status_code == 200
        assert_error(client.patch(url, json={"body": "six"}, headers=alice.headers), 429)
        assert client.get(url).status_code == 200


class TestWriteLimitsPerAccount:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_WRITE": "100 per minute",
            "RATELIMIT_WRITE_ACCOUNT": "1 per minute",
        }

    def test_one_account_is_limited_across_the_apis(
        self, client: FlaskClient, alice: Account, bob: Account
    ) -> None:
        assert (
            client.post("/api/v1/articles", json=_article("a"), headers=alice.headers).status_code
            == 201
        )
        realworld = {"article": {"title": "T", "description": "d", "body": "b"}}
        token = {"Authorization": f"Token {alice.token}"}
        assert client.post("/api/articles", json=realworld, headers=token).status_code == 429
        # Another account from the same client is not held back.
        assert (
            client.post("/api/v1/articles", json=_article("b"), headers=bob.headers).status_code
            == 201
        )
