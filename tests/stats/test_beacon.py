"""The beacon counts views of published articles, without cookies or addresses, and
refuses what it must not count (counted straight into the database: no Redis here)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.models import ArticleDay, ReferrerDay, StatsSalt, StatsVisitor
from tests.factories import ArticleFactory
from tests.stats.conftest import BROWSER, GOOGLEBOT, PHONE, beacon


def _today() -> date:
    return datetime.now(UTC).date()


def _day(session: Session, article_id: int) -> tuple[int, int] | None:
    row = session.execute(
        select(ArticleDay.views, ArticleDay.visitors).where(
            ArticleDay.article_id == article_id, ArticleDay.day == _today()
        )
    ).first()
    return (row.views, row.visitors) if row else None


def _referrers(session: Session, article_id: int) -> dict[str, int]:
    rows = session.execute(
        select(ReferrerDay.host, ReferrerDay.views).where(ReferrerDay.article_id == article_id)
    )
    return {host: views for host, views in rows}


@pytest.fixture
def article(session: Session) -> Any:
    return ArticleFactory(slug="counted")


def test_the_same_visitor_twice_is_two_views_and_one_visitor(
    client: FlaskClient, session: Session, article: Any
) -> None:
    assert beacon(client, "counted").status_code == 204
    assert beacon(client, "counted").status_code == 204
    assert _day(session, article.id) == (2, 1)
    beacon(client, "counted", agent=PHONE)  # another browser on the same address
    beacon(client, "counted", address="198.51.100.9")  # another address
    assert _day(session, article.id) == (4, 3)


def test_a_visitor_of_two_articles_is_a_visitor_of_each(
    client: FlaskClient, session: Session, article: Any
) -> None:
    other = ArticleFactory(slug="other")
    beacon(client, "counted")
    beacon(client, "other")
    assert _day(session, article.id) == (1, 1)
    assert _day(session, other.id) == (1, 1)


def test_nothing_identifies_the_reader(client: FlaskClient, session: Session, article: Any) -> None:
    response = beacon(client, "counted", referrer="https://news.example.org/item?id=42&u=me")
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    stored = [
        *session.execute(select(StatsVisitor.visitor)).scalars(),
        *session.execute(select(ReferrerDay.host)).scalars(),
    ]
    assert not any("203.0.113.7" in value or "item?id" in value for value in stored)
    assert _referrers(session, article.id) == {"news.example.org": 1}


@pytest.mark.parametrize(
    "agent",
    [
        GOOGLEBOT,
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36",
        "",
    ],
    ids=["googlebot", "curl", "requests", "headless", "none"],
)
def test_bots_are_not_counted(
    client: FlaskClient, session: Session, article: Any, agent: str
) -> None:
    assert beacon(client, "counted", agent=agent).status_code == 204
    assert _day(session, article.id) is None


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://www.Example.COM/a/b?c=d#e", "example.com"),
        ("http://blog.example.net:8080/post", "blog.example.net"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("", ""),
        ("javascript:alert(document.cookie)", ""),
        ("https://<script>alert(1)</script>/", ""),
        ("https://evil.example%2F@victim.example/", ""),
        ("android-app://com.google.android.gm/", ""),
        ("https://127.0.0.1/admin", ""),
        ("https://[::1]/", ""),
        ("not a url at all", ""),
        ("https://" + "a" * 300 + ".example/", ""),
        ("https://intranet/", "intranet"),
        ("http://localhost/articles/counted", ""),  # this site itself: direct
    ],
)
def test_referrers_keep_a_valid_host_or_nothing(
    client: FlaskClient, session: Session, article: Any, referrer: str, host: str
) -> None:
    assert beacon(client, "counted", referrer=referrer).status_code == 204
    assert _referrers(session, article.id) == {host: 1}


def test_a_referrer_that_is_not_a_string_is_refused(
    client: FlaskClient, session: Session, article: Any
) -> None:
    response = beacon(client, "counted", json={"referrer": {"host": "x"}})
    assert response.status_code == 400
    assert response.get_json() == {"errors": {"body": ["referrer must be a string"]}}
    assert _day(session, article.id) is None


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"referrer": "x", "views": 1000}', b"\xff\xfe\x00"],
    ids=["broken", "list", "extra-field", "binary"],
)
def test_malformed_bodies_are_refused(
    client: FlaskClient, session: Session, article: Any, body: bytes
) -> None:
    response = client.post(
        "/stats/views/counted",
        data=body,
        content_type="text/plain",
        headers={"User-Agent": BROWSER},
    )
    assert response.status_code == 400
    assert _day(session, article.id) is None


def test_a_huge_body_is_refused(client: FlaskClient, session: Session, article: Any) -> None:
    response = beacon(client, "counted", referrer="https://example.com/" + "x" * 100_000)
    assert response.status_code == 413
    assert response.get_json() == {"errors": {"body": ["is too large"]}}
    assert _day(session, article.id) is None


def test_missing_and_draft_articles_store_nothing(client: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="secret-draft", draft=True)
    for slug in ("no-such-article", "secret-draft"):
        response = beacon(client, slug, referrer="https://example.com/")
        assert response.status_code == 404
        assert response.get_json() == {"errors": {"article": ["not found"]}}
    assert session.scalars(select(ArticleDay)).all() == []
    assert session.scalars(select(StatsVisitor)).all() == []
    assert session.scalars(select(StatsSalt)).all() == []


def test_a_beacon_from_another_site_is_refused(
    client: FlaskClient, session: Session, article: Any
) -> None:
    response = beacon(client, "counted", headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 403
    assert beacon(client, "counted", headers={"Origin": "http://localhost"}).status_code == 204
    assert _day(session, article.id) == (1, 1)


@pytest.mark.parametrize(
    "app_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_STATS_BEACON": "3 per minute"}]
)
def test_beacons_are_rate_limited_per_client(
    client: FlaskClient, session: Session, article: Any
) -> None:
    answers = [beacon(client, "counted").status_code for _ in range(5)]
    assert answers == [204, 204, 204, 429, 429]
    assert beacon(client, "counted", address="198.51.100.1").status_code == 204
    assert _day(session, article.id) == (4, 2)


def test_the_article_page_sends_the_beacon_and_drafts_do_not(
    app: Flask, client: FlaskClient, session: Session, article: Any
) -> None:
    page = client.get("/articles/counted").get_data(as_text=True)
    assert 'src="/static/js/stats.js"' in page
    assert 'data-beacon="/stats/views/counted"' in page
    script = client.get("/static/js/stats.js")
    assert script.status_code == 200
    assert b"sendBeacon" in script.data
    script.close()


@pytest.mark.parametrize("app_overrides", [{"STATS_ENABLED": False}])
def test_with_stats_switched_off_nothing_is_sent_or_counted(
    client: FlaskClient, session: Session, article: Any
) -> None:
    assert "stats.js" not in client.get("/articles/counted").get_data(as_text=True)
    assert beacon(client, "counted").status_code == 404
    assert _day(session, article.id) is None
