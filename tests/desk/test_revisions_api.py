"""/api/v1 revisions: list, read, diff, restore; who may; every bad input changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api import conftest as api_fixtures
from tests.api.conftest import Account, assert_error

# The /api/v1 tests' fixtures (accounts with tokens), shared rather than copied.
in_app = api_fixtures.in_app
make_user = api_fixtures.make_user
make_article = api_fixtures.make_article
alice = api_fixtures.alice
bob = api_fixtures.bob


@pytest.fixture
def slug(client: FlaskClient, alice: Account) -> str:
    created = client.post(
        "/api/v1/articles",
        json={
            "title": "Night trains",
            "description": "Sleeping across Europe",
            "body": "The Paris sleeper leaves at nine.\n\nBring a book.",
            "tags": ["travel"],
            "publish": True,
        },
        headers=alice.headers,
    )
    assert created.status_code == 201
    slug = str(created.get_json()["slug"])
    changed = client.patch(
        f"/api/v1/articles/{slug}",
        json={"body": "The Paris sleeper leaves at ten.\n\nBring a book.", "tags": ["rail"]},
        headers=alice.headers,
    )
    assert changed.status_code == 200
    return slug


def listed(client: FlaskClient, slug: str, account: Account) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/articles/{slug}/revisions", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def test_the_list_is_newest_first_in_the_usual_envelope(
    client: FlaskClient, alice: Account, slug: str
) -> None:
    response = client.get(f"/api/v1/articles/{slug}/revisions?page_size=1", headers=alice.headers)
    body = response.get_json()
    assert (body["total"], body["pages"], body["page_size"]) == (2, 2, 1)
    assert 'rel="next"' in response.headers["Link"]
    (newest,) = body["items"]
    assert newest["number"] == 2
    assert newest["kind"] == "save"
    assert newest["by"] == "alice"
    assert (newest["words_added"], newest["words_removed"]) == (1, 1)
    assert "body" not in newest


def test_one_revision_has_its_full_content(client: FlaskClient, alice: Account, slug: str) -> None:
    first = listed(client, slug, alice)[-1]
    body = client.get(f"/api/v1/articles/{slug}/revisions/{first['id']}", headers=alice.headers)
    data = body.get_json()
    assert data["body"] == "The Paris sleeper leaves at nine.\n\nBring a book."
    assert data["tags"] == ["travel"]
    assert data["kind"] == "publish"
    assert data["cover_image"] is None
    assert body.headers["ETag"]


def test_the_diff_marks_words_inside_changed_lines(
    client: FlaskClient, alice: Account, slug: str
) -> None:
    newest, first = listed(client, slug, alice)
    response = client.get(
        f"/api/v1/articles/{slug}/revisions/{newest['id']}/diff?against={first['id']}",
        headers=alice.headers,
    )
    assert response.status_code == 200
    data = response.get_json()
    assert (data["revision"], data["against"]) == (newest["id"], first["id"])
    body = next(field for field in data["fields"] if field["name"] == "body")
    assert body["changed"]
    removed, added = body["lines"][0], body["lines"][1]
    assert {"op": "removed", "text": "nine"} in removed["segments"]
    assert {"op": "added", "text": "ten"} in added["segments"]
    title = next(field for field in data["fields"] if field["name"] == "title")
    assert not title["changed"]


def test_restore_answers_the_article_and_keeps_a_restore_revision(
    client: FlaskClient, alice: Account, slug: str
) -> None:
    first = listed(client, slug, alice)[-1]
    response = client.post(
        f"/api/v1/articles/{slug}/revisions/{first['id']}/restore", headers=alice.headers
    )
    assert response.status_code == 200
    article = response.get_json()
    assert article["body"] == "The Paris sleeper leaves at nine.\n\nBring a book."
    assert article["tags"] == ["travel"]
    newest = listed(client, slug, alice)[0]
    assert (newest["number"], newest["kind"]) == (3, "restore")


def test_an_administrator_may_see_and_restore(
    client: FlaskClient, make_user: Callable[..., Account], alice: Account, slug: str
) -> None:
    admin = make_user(username="root", email="root@example.test", admin=True)
    first = listed(client, slug, admin)[-1]
    response = client.post(
        f"/api/v1/articles/{slug}/revisions/{first['id']}/restore", headers=admin.headers
    )
    assert response.status_code == 200
    assert listed(client, slug, alice)[0]["by"] == "root"


def test_nobody_else_learns_that_revisions_exist(
    client: FlaskClient, alice: Account, bob: Account, slug: str
) -> None:
    first = listed(client, slug, alice)[-1]["id"]
    base = f"/api/v1/articles/{slug}/revisions"
    for url in (base, f"{base}/{first}", f"{base}/{first}/diff?against={first}"):
        assert_error(client.get(url, headers=bob.headers), 404, "revision")
        assert_error(client.get(url), 401, "token")
    assert_error(client.post(f"{base}/{first}/restore", headers=bob.headers), 404, "revision")
    assert len(listed(client, slug, alice)) == 2


def test_a_revision_of_another_article_is_404_and_restores_nothing(
    client: FlaskClient, alice: Account, slug: str, make_article: Callable[..., str]
) -> None:
    other = client.post(
        "/api/v1/articles", json={"title": "Ferries", "body": "Sea."}, headers=alice.headers
    ).get_json()["slug"]
    foreign = listed(client, other, alice)[0]["id"]
    base = f"/api/v1/articles/{slug}/revisions/{foreign}"
    body = assert_error(client.get(base, headers=alice.headers), 404, "revision")
    assert body["errors"]["revision"] == ["is not a revision of this article"]
    assert_error(client.post(f"{base}/restore", headers=alice.headers), 404, "revision")
    # Beyond any id, and beyond PostgreSQL's INTEGER (it refuses to compare those).
    for beyond in (2**80, 2**31, 193760278684):
        huge = f"/api/v1/articles/{slug}/revisions/{beyond}"
        assert_error(client.get(huge, headers=alice.headers), 404, "revision")
        assert_error(client.post(f"{huge}/restore", headers=alice.headers), 404, "revision")
    article = client.get(f"/api/v1/articles/{slug}", headers=alice.headers).get_json()
    assert "at ten" in article["body"]
    assert len(listed(client, slug, alice)) == 2


@pytest.mark.parametrize("against", ["", "abc", "0", "-3", "1.5", "99999999999999999999"])
def test_a_malformed_against_is_422_naming_it(
    client: FlaskClient, alice: Account, slug: str, against: str
) -> None:
    newest = listed(client, slug, alice)[0]["id"]
    url = f"/api/v1/articles/{slug}/revisions/{newest}/diff?against={against}"
    assert_error(client.get(url, headers=alice.headers), 422, "against")


def test_a_diff_between_revisions_of_two_articles_is_refused(
    client: FlaskClient, alice: Account, slug: str
) -> None:
    other = client.post(
        "/api/v1/articles", json={"title": "Ferries", "body": "Sea."}, headers=alice.headers
    ).get_json()["slug"]
    foreign = listed(client, other, alice)[0]["id"]
    mine = listed(client, slug, alice)[0]["id"]
    url = f"/api/v1/articles/{slug}/revisions/{mine}/diff?against={foreign}"
    body = assert_error(client.get(url, headers=alice.headers), 422, "against")
    assert "belongs to another article" in body["errors"]["against"][0]
    missing = f"/api/v1/articles/{slug}/revisions/{mine}/diff?against=999999999"
    assert_error(client.get(missing, headers=alice.headers), 422, "against")


def test_unknown_query_arguments_are_refused(
    client: FlaskClient, alice: Account, slug: str
) -> None:
    url = f"/api/v1/articles/{slug}/revisions?sort=oldest"
    assert_error(client.get(url, headers=alice.headers), 422)


def test_restoring_what_a_published_article_cannot_hold_is_422_and_changes_nothing(
    client: FlaskClient, alice: Account
) -> None:
    slug = client.post(
        "/api/v1/articles", json={"title": "Stub"}, headers=alice.headers
    ).get_json()["slug"]
    client.patch(
        f"/api/v1/articles/{slug}",
        json={"description": "Complete", "body": "Done."},
        headers=alice.headers,
    )
    client.post(f"/api/v1/articles/{slug}/publish", headers=alice.headers)
    empty = listed(client, slug, alice)[-1]["id"]
    response = client.post(
        f"/api/v1/articles/{slug}/revisions/{empty}/restore", headers=alice.headers
    )
    assert_error(response, 422, "body")
    article = client.get(f"/api/v1/articles/{slug}", headers=alice.headers).get_json()
    assert article["body"] == "Done."
    assert [item["kind"] for item in listed(client, slug, alice)] == ["publish", "save"]


def test_deleting_the_article_deletes_its_revisions(
    client: FlaskClient, alice: Account, slug: str
) -> None:
    first = listed(client, slug, alice)[-1]["id"]
    assert client.delete(f"/api/v1/articles/{slug}", headers=alice.headers).status_code == 204
    url = f"/api/v1/articles/{slug}/revisions/{first}"
    assert_error(client.get(url, headers=alice.headers), 404)


def test_the_spec_documents_the_four_operations(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    base = "/api/v1/articles/{slug}/revisions"
    operations = {
        (base, "get"),
        (base + "/{revision_id}", "get"),
        (base + "/{revision_id}/diff", "get"),
        (base + "/{revision_id}/restore", "post"),
    }
    for path, method in operations:
        operation = paths[path][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert {"401", "404"} <= set(operation["responses"]), path
    diff = paths[base + "/{revision_id}/diff"]["get"]
    query = [p["name"] for p in diff["parameters"] if p.get("in") == "query"]
    assert query == ["against"]
    assert "422" in paths[base + "/{revision_id}/restore"]["post"]["responses"]
