"""Comments under an article."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.api.conftest import Account, assert_error


def test_comment_list_and_delete(
    client: FlaskClient, make_article: Callable[..., str], alice: Account, bob: Account
) -> None:
    slug = make_article(alice)
    created = client.post(
        f"/api/v1/articles/{slug}/comments", json={"body": "  Nice one.  "}, headers=bob.headers
    )
    assert created.status_code == 201
    comment = created.get_json()
    assert comment["body"] == "Nice one."
    assert comment["author"]["username"] == "bob"
    assert "email" not in comment["author"]

    listed = client.get(f"/api/v1/articles/{slug}/comments").get_json()
    assert [c["id"] for c in listed["items"]] == [comment["id"]]
    assert (listed["total"], listed["pages"]) == (1, 1)

    deleted = client.delete(
        f"/api/v1/articles/{slug}/comments/{comment['id']}", headers=bob.headers
    )
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/articles/{slug}/comments").get_json()["items"] == []


def test_comments_come_oldest_first_in_pages(
    client: FlaskClient, make_article: Callable[..., str], alice: Account
) -> None:
    slug = make_article(alice)
    for n in range(3):
        client.post(
            f"/api/v1/articles/{slug}/comments", json={"body": f"c{n}"}, headers=alice.headers
        )
    page = client.get(f"/api/v1/articles/{slug}/comments?page=2&page_size=2")
    assert [c["body"] for c in page.get_json()["items"]] == ["c2"]
    assert 'rel="prev"' in page.headers["Link"]


def test_who_may_delete_a_comment(
    client: FlaskClient,
    make_article: Callable[..., str],
    make_user: Callable[..., Account],
    alice: Account,
    bob: Account,
) -> None:
    carol = make_user(username="carol")
    slug = make_article(alice)
    first = client.post(
        f"/api/v1/articles/{slug}/comments", json={"body": "1"}, headers=bob.headers
    )
    second = client.post(
        f"/api/v1/articles/{slug}/comments", json={"body": "2"}, headers=bob.headers
    )

    url = f"/api/v1/articles/{slug}/comments"
    assert_error(client.delete(f"{url}/{first.get_json()['id']}", headers=carol.headers), 403)
    # The article's author may remove comments under it.
    assert (
        client.delete(f"{url}/{first.get_json()['id']}", headers=alice.headers).status_code == 204
    )
    assert client.delete(f"{url}/{second.get_json()['id']}", headers=bob.headers).status_code == 204
    assert_error(client.delete(f"{url}/999999", headers=bob.headers), 404, "comment")


def test_comment_errors(
    client: FlaskClient, make_article: Callable[..., str], alice: Account, bob: Account
) -> None:
    slug = make_article(alice)
    draft = make_article(alice, draft=True)
    url = f"/api/v1/articles/{slug}/comments"
    assert_error(client.post(url, json={"body": "hi"}), 401, "token")
    assert_error(client.post(url, json={}, headers=bob.headers), 422, "body")
    assert_error(client.post(url, json={"body": "   "}, headers=bob.headers), 422, "body")
    assert_error(client.post(url, json={"body": "x" * 5001}, headers=bob.headers), 422, "body")
    assert_error(
        client.post(url, json={"body": "hi", "author": "alice"}, headers=bob.headers), 422, "author"
    )
    assert_error(
        client.post(f"/api/v1/articles/{draft}/comments", json={"body": "hi"}, headers=bob.headers),
        404,
        "article",
    )
    assert_error(client.get(f"/api/v1/articles/{draft}/comments"), 404, "article")
    assert_error(client.get("/api/v1/articles/nope/comments"), 404, "article")


def test_a_comment_id_past_any_database_integer_is_404_not_500(
    client: FlaskClient, make_article: Callable[..., str], alice: Account
) -> None:
    slug = make_article(alice)
    url = f"/api/v1/articles/{slug}/comments/{10**25}"
    assert_error(client.delete(url, headers=alice.headers), 404)
