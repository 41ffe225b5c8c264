"""The dashboards and /api/v1 show the numbers of a scripted set of visits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.auth.tokens import issue_access_token
from folio.extensions import db
from folio.models import ArticleDay, Favorite, ReferrerDay, Subscriber, User
from tests.factories import ArticleFactory, UserFactory
from tests.stats.conftest import PHONE, beacon
from tests.web.helpers import sign_in_through_the_session, text


def _today() -> Any:
    return datetime.now(UTC).date()


@pytest.fixture
def site(session: Session, client: FlaskClient) -> dict[str, Any]:
    """Two writers; visits today through the beacon, earlier days as rolled up."""
    writer = UserFactory(username="writer")
    other = UserFactory(username="other")
    admin = UserFactory(username="boss", admin=True)
    essay = ArticleFactory(slug="essay", title="An essay", author=writer)
    notes = ArticleFactory(slug="notes", title="Some notes", author=writer)
    theirs = ArticleFactory(slug="theirs", title="Not yours", author=other)
    today = _today()
    # Rolled up earlier: 10 days ago (in 30 and 90, not 7) and 60 days ago (90 only).
    for days_ago, article, views, visitors, host in (
        (10, essay, 40, 30, "news.example.org"),
        (60, notes, 100, 80, "old.example"),
        (10, theirs, 500, 400, "elsewhere.example"),
    ):
        day = today - timedelta(days=days_ago)
        session.add(ArticleDay(article_id=article.id, day=day, views=views, visitors=visitors))
        session.add(ReferrerDay(article_id=article.id, day=day, host=host, views=views))
    session.add(Favorite(user_id=other.id, article_id=essay.id))
    session.add(
        Favorite(
            user_id=admin.id,
            article_id=notes.id,
            created_at=datetime.now(UTC) - timedelta(days=20),
        )
    )
    # Email subscribers: two of the writer's (one today, one 20 days ago), one of the
    # other writer's and one of the whole site's, today.
    for email, author, days_ago in (
        ("new@example.test", writer, 0),
        ("older@example.test", writer, 20),
        ("theirs@example.test", other, 0),
        ("site@example.test", None, 0),
    ):
        session.add(
            Subscriber(
                email=email,
                author_id=author.id if author else None,
                created_at=datetime.now(UTC) - timedelta(days=days_ago),
            )
        )
    session.flush()
    # Today: 3 readers of the essay (one reads it twice), 1 of the notes, 1 of theirs.
    beacon(client, "essay", referrer="https://news.example.org/today")
    beacon(client, "essay", referrer="https://news.example.org/today")
    beacon(client, "essay", address="198.51.100.4", agent=PHONE)
    beacon(client, "essay", address="198.51.100.5")
    beacon(client, "notes")
    beacon(client, "theirs")
    return {"writer": writer, "other": other, "admin": admin}


def _figures(page: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))


def test_the_writer_sees_their_articles_only(client: FlaskClient, site: dict[str, Any]) -> None:
    sign_in_through_the_session(client, site["writer"])
    page = client.get("/me/stats?days=7")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    html = page.get_data(as_text=True)
    assert _figures(html) == {
        "Views": "5",
        "Unique visitors": "4",
        "New favorites": "1",
        "New subscribers": "1",
    }
    words = text(page)
    assert "An essay 4 3" in words
    assert "Some notes 1 1" in words
    assert "Not yours" not in words
    assert "news.example.org 2" in words
    assert "elsewhere.example" not in words

    month = client.get("/me/stats?days=30").get_data(as_text=True)
    assert _figures(month)["Views"] == "45"
    assert _figures(month)["New favorites"] == "2"
    assert _figures(month)["New subscribers"] == "2"
    quarter = client.get("/me/stats?days=90").get_data(as_text=True)
    assert _figures(quarter)["Views"] == "145"
    assert _figures(quarter)["Unique visitors"] == "114"
    assert "Some notes 101 81" in text(client.get("/me/stats?days=90"))


def test_the_chart_is_accessible_svg_with_its_numbers_in_a_table(
    client: FlaskClient, site: dict[str, Any]
) -> None:
    sign_in_through_the_session(client, site["writer"])
    html = client.get("/me/stats?days=7").get_data(as_text=True)
    svg = re.search(r"<svg class=\"stats-chart\"[^>]*>", html)
    assert svg is not None
    assert 'role="img"' in svg.group(0)
    assert 'aria-labelledby="stats-chart-title stats-chart-desc"' in svg.group(0)
    assert re.search(r'<title id="stats-chart-title">Views per day, your articles', html)
    assert "5 views and 4 unique visitors" in html
    assert html.count('class="stats-bar-views"') == 7
    today = _today()
    row = f'<th scope="row">{today.day} {today.strftime("%b %Y")}</th><td>5</td><td>4</td>'
    assert row in html
    assert 'aria-current="page">7 days' in html


def test_an_unknown_period_falls_back_to_30_days(client: FlaskClient, site: dict[str, Any]) -> None:
    sign_in_through_the_session(client, site["writer"])
    html = client.get("/me/stats?days=1000000").get_data(as_text=True)
    assert 'aria-current="page">30 days' in html


def test_the_admin_sees_the_whole_site(client: FlaskClient, site: dict[str, Any]) -> None:
    sign_in_through_the_session(client, site["admin"])
    page = client.get("/admin/stats?days=30")
    assert page.status_code == 200
    figures = _figures(page.get_data(as_text=True))
    assert figures["Views"] == str(40 + 500 + 6)
    assert figures["New subscribers"] == "4"
    assert "Not yours 501 401" in text(page)


def test_strangers_and_writers_cannot_open_the_site_stats(
    client: FlaskClient, site: dict[str, Any]
) -> None:
    assert client.get("/me/stats").status_code == 302  # to sign in
    assert client.get("/admin/stats").status_code == 302
    sign_in_through_the_session(client, site["writer"])
    assert client.get("/admin/stats").status_code == 403


# --- /api/v1 ------------------------------------------------------------------------------


def _token(app: Flask, user: User) -> dict[str, str]:
    with app.app_context():
        return {"Authorization": f"Bearer {issue_access_token(db.session.merge(user))}"}


def test_the_api_gives_the_author_the_same_figures(
    app: Flask, client: FlaskClient, site: dict[str, Any]
) -> None:
    headers = _token(app, site["writer"])
    mine = client.get("/api/v1/me/stats?days=7", headers=headers)
    assert mine.status_code == 200
    body = mine.get_json()
    assert (body["views"], body["visitors"], body["favorites"], body["subscribers"]) == (
        5,
        4,
        1,
        1,
    )
    assert len(body["series"]) == 7
    assert body["series"][-1] == {"day": _today().isoformat(), "views": 5, "visitors": 4}
    assert body["top_articles"][0] == {
        "slug": "essay",
        "title": "An essay",
        "views": 4,
        "visitors": 3,
    }
    assert {"host": "news.example.org", "views": 2} in body["top_referrers"]

    one = client.get("/api/v1/articles/essay/stats?days=30", headers=headers).get_json()
    assert (one["views"], one["visitors"], one["favorites"]) == (44, 33, 1)
    assert [a["slug"] for a in one["top_articles"]] == ["essay"]


def test_the_api_refuses_other_people_and_bad_periods(
    app: Flask, client: FlaskClient, site: dict[str, Any]
) -> None:
    headers = _token(app, site["writer"])
    assert client.get("/api/v1/articles/theirs/stats", headers=headers).status_code == 403
    assert client.get("/api/v1/articles/nothing/stats", headers=headers).status_code == 404
    bad = client.get("/api/v1/me/stats?days=8", headers=headers)
    assert bad.status_code == 422
    assert "days" in bad.get_json()["errors"]
    assert client.get("/api/v1/me/stats").status_code == 401


def test_the_writer_opens_one_article_s_figures(client: FlaskClient, site: dict[str, Any]) -> None:
    sign_in_through_the_session(client, site["writer"])
    assert 'href="/me/stats/essay"' in client.get("/me/stats").get_data(as_text=True)
    page = client.get("/me/stats/essay?days=30")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _figures(html)["Views"] == "44"
    assert _figures(html)["Unique visitors"] == "33"
    assert 'href="/me/stats/essay?days=90"' in html
    assert "An essay" in text(page)
    assert client.get("/me/stats/theirs").status_code == 403
    assert client.get("/me/stats/nothing-here").status_code == 404
