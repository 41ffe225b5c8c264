"""/api/v1 ``publish_at``, ``DELETE /articles/{slug}/schedule``, ``GET /me/scheduled``;
the RealWorld /api is unchanged and never shows a scheduled draft."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient

from folio.models import now_utc
from tests.api.conftest import Account, assert_error
from tests.desk.schedule_fixtures import *  # noqa: F403 - fixtures


def _at(days: int = 2, offset_hours: int = 2) -> tuple[str, str]:
    """A moment ``days`` ahead written with a +HH:00 offset, and the same moment in UTC
    as the API answers it."""
    moment = (now_utc() + timedelta(days=days)).replace(second=0, microsecond=0)
    local = moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
    return local, moment.astimezone(UTC).isoformat()


def _article(**fields: Any) -> dict[str, Any]:
    return {"title": "Launch notes", "description": "What ships", "body": "Everything.", **fields}


def test_create_a_scheduled_draft_answered_in_utc(client: FlaskClient, alice: Account) -> None:
    local, utc = _at()
    response = client.post(
        "/api/v1/articles", json=_article(publish_at=local), headers=alice.headers
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["published_at"] is None
    assert datetime.fromisoformat(body["publish_at"]) == datetime.fromisoformat(utc)
    assert body["publish_at"].endswith("+00:00")
    listed = client.get("/api/v1/me/scheduled", headers=alice.headers).get_json()
    assert [(i["slug"], i["title"]) for i in listed["items"]] == [(body["slug"], "Launch notes")]


@pytest.mark.parametrize(
    ("publish_at", "message"),
    [
        ("2001-01-01T09:00:00Z", "is in the past"),
        ("2999-01-01T09:00:00Z", "is too far ahead"),
        ("not a date", "is not a date and time"),
        ("2027-13-01T09:00:00Z", "is not a date and time"),
        ("2027-06-01T09:00:00", "needs an offset or Z"),
    ],
)
def test_bad_moments_on_create_are_422_naming_publish_at_and_write_nothing(
    client: FlaskClient, alice: Account, publish_at: str, message: str
) -> None:
    response = client.post(
        "/api/v1/articles", json=_article(publish_at=publish_at), headers=alice.headers
    )
    body = assert_error(response, 422, "publish_at")
    assert message in body["errors"]["publish_at"][0]
    mine = client.get("/api/v1/articles?status=mine", headers=alice.headers).get_json()
    assert mine["items"] == []


def test_publish_now_and_publish_at_together_are_refused(
    client: FlaskClient, alice: Account
) -> None:
    local, _ = _at()
    response = client.post(
        "/api/v1/articles", json=_article(publish_at=local, publish=True), headers=alice.headers
    )
    assert_error(response, 422, "publish_at")


def test_a_non_string_publish_at_is_refused(client: FlaskClient, alice: Account) -> None:
    response = client.post(
        "/api/v1/articles", json=_article(publish_at=1234567890), headers=alice.headers
    )
    assert_error(response, 422, "publish_at")


def test_patch_schedules_moves_and_null_cancels(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True)
    first, first_utc = _at(3)
    second, second_utc = _at(4, offset_hours=-7)
    answered = client.patch(
        f"/api/v1/articles/{slug}", json={"publish_at": first}, headers=alice.headers
    ).get_json()
    assert datetime.fromisoformat(answered["publish_at"]) == datetime.fromisoformat(first_utc)
    answered = client.patch(
        f"/api/v1/articles/{slug}", json={"publish_at": second}, headers=alice.headers
    ).get_json()
    assert datetime.fromisoformat(answered["publish_at"]) == datetime.fromisoformat(second_utc)
    answered = client.patch(
        f"/api/v1/articles/{slug}", json={"publish_at": None}, headers=alice.headers
    ).get_json()
    assert answered["publish_at"] is None


def test_patch_with_a_bad_moment_changes_nothing_else_either(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True, title="Kept")
    response = client.patch(
        f"/api/v1/articles/{slug}",
        json={"title": "Changed", "publish_at": "2001-01-01T00:00:00Z"},
        headers=alice.headers,
    )
    assert_error(response, 422, "publish_at")
    article = client.get(f"/api/v1/articles/{slug}", headers=alice.headers).get_json()
    assert (article["title"], article["publish_at"]) == ("Kept", None)


def test_a_published_article_cannot_be_scheduled(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice)
    local, _ = _at()
    response = client.patch(
        f"/api/v1/articles/{slug}", json={"publish_at": local}, headers=alice.headers
    )
    assert_error(response, 422, "publish_at")


def test_delete_schedule_cancels_then_says_it_is_not_set(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True, publish_at=now_utc() + timedelta(days=1))
    response = client.delete(f"/api/v1/articles/{slug}/schedule", headers=alice.headers)
    assert response.status_code == 200
    assert response.get_json()["publish_at"] is None
    again = client.delete(f"/api/v1/articles/{slug}/schedule", headers=alice.headers)
    assert_error(again, 422, "publish_at")


def test_delete_schedule_after_the_moment_is_409(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True, publish_at=now_utc() - timedelta(seconds=1))
    response = client.delete(f"/api/v1/articles/{slug}/schedule", headers=alice.headers)
    body = assert_error(response, 409, "publish_at")
    assert body["errors"]["publish_at"] == ["has passed: the article is being published now"]


def test_others_cannot_see_or_cancel_a_schedule(
    client: FlaskClient, alice: Account, bob: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(alice, draft=True, publish_at=now_utc() + timedelta(days=1))
    assert (
        client.delete(f"/api/v1/articles/{slug}/schedule", headers=bob.headers).status_code == 404
    )
    assert client.get("/api/v1/me/scheduled", headers=bob.headers).get_json() == {"items": []}
    assert client.get("/api/v1/me/scheduled").status_code == 401


def test_scheduled_drafts_stay_out_of_every_public_list(
    client: FlaskClient, alice: Account, make_article: Callable[..., str]
) -> None:
    slug = make_article(
        alice, draft=True, title="Secret launch", publish_at=now_utc() + timedelta(days=1)
    )
    for path in ("/api/v1/articles", "/api/articles", "/", "/atom.xml", "/sitemap.xml"):
        assert slug not in client.get(path).get_data(as_text=True), path
    assert client.get(f"/api/articles/{slug}").status_code == 404
    assert client.get(f"/api/v1/articles/{slug}").status_code == 404


def test_the_realworld_api_neither_takes_nor_shows_publish_at(
    client: FlaskClient, alice: Account
) -> None:
    local, _ = _at()
    response = client.post(
        "/api/articles",
        json={"article": {**_article(), "publishAt": local, "publish_at": local}},
        headers={"Authorization": f"Token {alice.token}"},
    )
    assert response.status_code == 201, response.get_json()
    article = response.get_json()["article"]
    assert "publish_at" not in article
    assert "publishAt" not in article
    # RealWorld articles are published at once, as before: the field was ignored.
    listed = client.get("/api/articles").get_json()["articles"]
    assert [a["slug"] for a in listed] == [article["slug"]]


def test_the_spec_documents_the_new_operations(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "delete" in paths["/api/v1/articles/{slug}/schedule"]
    assert "get" in paths["/api/v1/me/scheduled"]
    assert "post" in paths["/api/v1/articles/{slug}/draft-links"]
    assert "delete" in paths["/api/v1/articles/{slug}/draft-links/{link_id}"]
    create = spec["components"]["schemas"]["ArticleCreate"]["properties"]
    assert create["publish_at"]["format"] == "date-time"
    assert "publish_at" in spec["components"]["schemas"]["Article"]["properties"]
