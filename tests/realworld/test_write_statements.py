"""Statements per RealWorld write, the after-commit subscribers included: a change that
adds one shows here (issue 21: the write mix is measured against the framework's limit).

The counts are those of the test profile (no broker: tasks run in the request; no
webhook endpoint; no remote follower), SAVEPOINTs aside.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.auth import tokens
from tests.realworld.helpers import Account

ARTICLE = {
    "article": {
        "title": "Counted",
        "description": "Statements per write",
        "body": "Some *Markdown* with `code`.\n\n" * 5,
        "tagList": ["bench", "counted"],
    }
}


def _statements(count_queries: Any, call: Callable[[], Any]) -> list[str]:
    with count_queries() as counted:
        response = call()
    assert response.status_code < 300, response.get_data(as_text=True)
    return [" ".join(s.split())[:90] for s in counted.statements]


def test_creating_an_article(
    app: Flask, client: FlaskClient, alice: Account, count_queries: Any
) -> None:
    sql = _statements(
        count_queries, lambda: client.post("/api/articles", json=ARTICLE, headers=alice.headers)
    )
    # The token (user and revocation: one); the slug; the tags, two new ones; the article, its tag
    # rows, its first revision (no lookup of an older one, no usage rows to replace); the
    # newsletter's fan-out (six, a task run in the request here); federation (the
    # tombstone and remote followers: none, so no document is built; the article is still
    # loaded, not read back); webhooks (none).
    # PostgreSQL inserts the two new tags in one statement.
    postgresql = app.extensions["folio_test_connection"].dialect.name == "postgresql"
    assert len(sql) == (16 if postgresql else 17), sql


def test_commenting(
    client: FlaskClient,
    alice: Account,
    bob: Account,
    make_article: Callable[..., str],
    count_queries: Any,
) -> None:
    slug = make_article(bob)
    body = {"comment": {"body": "A counted comment"}}
    sql = _statements(
        count_queries,
        lambda: client.post(f"/api/articles/{slug}/comments", json=body, headers=alice.headers),
    )
    # The token (one); the article (its row only: no author, no tags); the comment; the
    # author's notification (four, a task run in the request here); webhooks (none).
    assert len(sql) == 8, sql


def test_favoriting_and_unfavoriting(
    client: FlaskClient,
    alice: Account,
    bob: Account,
    make_article: Callable[..., str],
    count_queries: Any,
) -> None:
    slug = make_article(bob)
    url = f"/api/articles/{slug}/favorite"
    added = _statements(count_queries, lambda: client.post(url, headers=alice.headers))
    again = _statements(count_queries, lambda: client.post(url, headers=alice.headers))
    removed = _statements(count_queries, lambda: client.delete(url, headers=alice.headers))
    # The token (one), the article and its tags, whether it is a favorite, the follow flag;
    # a change adds the favorite row and the count (UPDATE ... RETURNING: not read back).
    assert (len(added), len(again), len(removed)) == (7, 5, 6), (added, again, removed)


class TestTokenChecks:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"RATELIMIT_ENABLED": True}

    def test_a_write_verifies_its_token_once(
        self,
        client: FlaskClient,
        alice: Account,
        bob: Account,
        make_article: Callable[..., str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # The rate limiter's account key and the view both read the token (a comment is
        # limited per account): its signature is checked once.
        slug = make_article(bob)
        verified: list[str] = []

        parse = tokens._verified_claims

        def counting(encoded: str) -> Any:
            verified.append(encoded)
            return parse(encoded)

        monkeypatch.setattr(tokens, "_verified_claims", counting)
        body = {"comment": {"body": "Verified once"}}
        response = client.post(f"/api/articles/{slug}/comments", json=body, headers=alice.headers)
        assert response.status_code == 201
        assert verified == [alice.token]
