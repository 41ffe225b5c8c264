"""RealWorld article writes: a body too complex to render is a 422 on body; writes are limited."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from folio.articles.markdown_limits import MAX_TABLE_COLUMNS
from tests.realworld.helpers import Account, errors_of

WIDE_TABLE = "|" + "a|" * (MAX_TABLE_COLUMNS + 1) + "\n|" + "-|" * (MAX_TABLE_COLUMNS + 1) + "\n"


def _article(body: str) -> dict[str, Any]:
    return {"article": {"title": "Wide", "description": "d", "body": body}}


def test_a_body_too_complex_to_render_is_refused(client: FlaskClient, alice: Account) -> None:
    response = client.post("/api/articles", json=_article(WIDE_TABLE), headers=alice.headers)
    assert response.status_code == 422
    assert "columns" in errors_of(response)["body"][0]
    created = client.post("/api/articles", json=_article("fine"), headers=alice.headers)
    slug = created.get_json()["article"]["slug"]
    updated = client.put(
        f"/api/articles/{slug}", json={"article": {"body": WIDE_TABLE}}, headers=alice.headers
    )
    assert updated.status_code == 422
    assert "body" in errors_of(updated)


class TestWriteLimits:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_WRITE": "1 per minute"}

    def test_article_writes_are_rate_limited(self, client: FlaskClient, alice: Account) -> None:
        created = client.post("/api/articles", json=_article("one"), headers=alice.headers)
        assert created.status_code == 201
        limited = client.post("/api/articles", json=_article("two"), headers=alice.headers)
        assert limited.status_code == 429
        assert "rate_limit" in errors_of(limited)
        assert int(limited.headers["Retry-After"]) > 0
        url = f"/api/articles/{created.get_json()['article']['slug']}"
        body = {"article": {"body": "changed"}}
        assert client.put(url, json=body, headers=alice.headers).status_code == 200
        assert client.put(url, json=body, headers=alice.headers).status_code == 429
