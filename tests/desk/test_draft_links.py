"""Share a draft: secret, revocable links for readers without an account."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.articles import draft_links
from folio.core.errors import Forbidden, NotFound
from folio.extensions import db
from folio.models import Article, DraftLink, User
from tests.api.conftest import Account, assert_error
from tests.desk.schedule_fixtures import *  # noqa: F403 - fixtures
from tests.factories import ArticleFactory, UserFactory
from tests.web.helpers import text


def _path(url: str) -> str:
    return "/d/" + url.rsplit("/d/", 1)[1]


def _new_link(client: FlaskClient, owner: Account, slug: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/articles/{slug}/draft-links", headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


@pytest.fixture
def draft_slug(alice: Account, make_article: Callable[..., str]) -> str:
    return make_article(
        alice,
        draft=True,
        title="Unfinished symphony",
        description="Two movements of four",
        body="The *third* is hard.",
    )


def test_anyone_with_the_link_reads_the_draft_marked_and_never_cached_or_indexed(
    client: FlaskClient, alice: Account, draft_slug: str
) -> None:
    link = _new_link(client, alice, draft_slug)
    assert link["url"].startswith("http://localhost/d/")
    page = client.get(_path(link["url"]))  # no account, no cookie
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Unfinished symphony" in html
    assert "<em>third</em>" in html
    assert "Draft." in text(page)
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_only_a_hash_of_the_token_is_stored(
    app: Flask, client: FlaskClient, alice: Account, draft_slug: str
) -> None:
    link = _new_link(client, alice, draft_slug)
    token = link["url"].rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalars(select(DraftLink.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored


def test_a_revoked_link_is_a_404_with_a_clear_message(
    client: FlaskClient, alice: Account, draft_slug: str
) -> None:
    link = _new_link(client, alice, draft_slug)
    revoked = client.delete(
        f"/api/v1/articles/{draft_slug}/draft-links/{link['id']}", headers=alice.headers
    )
    assert revoked.status_code == 204
    page = client.get(_path(link["url"]))
    assert page.status_code == 404
    assert "This share link does not work" in text(page)
    assert "Unfinished symphony" not in page.get_data(as_text=True)
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    listed = client.get(f"/api/v1/articles/{draft_slug}/draft-links", headers=alice.headers)
    assert listed.get_json() == {"items": []}
    # Revoking twice changes nothing.
    again = client.delete(
        f"/api/v1/articles/{draft_slug}/draft-links/{link['id']}", headers=alice.headers
    )
    assert again.status_code == 204


@pytest.mark.parametrize(
    "token", ["x" * 43, "short", "a" * 400, "<script>alert(1)<", "%22onmouseover%3D1"]
)
def test_forged_tokens_get_a_404_that_says_the_link_does_not_work(
    client: FlaskClient, token: str
) -> None:
    page = client.get(f"/d/{token}")
    assert page.status_code == 404
    assert "This share link does not work" in text(page)
    assert "<script>" not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", ["/d/..%2F..%2Fetc%2Fpasswd", "/d/a/b", "/d/%00"])
def test_tokens_that_are_not_one_path_segment_are_refused(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code in (400, 404)


def test_one_articles_link_cannot_be_revoked_through_another(
    client: FlaskClient, alice: Account, draft_slug: str, make_article: Callable[..., str]
) -> None:
    other = make_article(alice, draft=True)
    link = _new_link(client, alice, draft_slug)
    response = client.delete(
        f"/api/v1/articles/{other}/draft-links/{link['id']}", headers=alice.headers
    )
    assert_error(response, 404, "draft link")
    assert client.get(_path(link["url"])).status_code == 200


def test_only_the_author_makes_and_revokes_links(
    client: FlaskClient, alice: Account, bob: Account, draft_slug: str
) -> None:
    assert client.post(f"/api/v1/articles/{draft_slug}/draft-links").status_code == 401
    # A draft that is not yours does not exist for you.
    response = client.post(f"/api/v1/articles/{draft_slug}/draft-links", headers=bob.headers)
    assert_error(response, 404, "article")
    link = _new_link(client, alice, draft_slug)
    response = client.delete(
        f"/api/v1/articles/{draft_slug}/draft-links/{link['id']}", headers=bob.headers
    )
    assert response.status_code == 404
    assert client.get(_path(link["url"])).status_code == 200


def test_an_admin_sees_the_draft_but_the_rule_keeps_links_to_its_author(
    session: Session,
) -> None:
    draft = ArticleFactory(draft=True)
    with pytest.raises(Forbidden):
        draft_links.create_draft_link(session, UserFactory(admin=True), draft)


def test_a_link_to_an_article_since_published_leads_to_its_public_page(
    client: FlaskClient, alice: Account, draft_slug: str
) -> None:
    link = _new_link(client, alice, draft_slug)
    client.post(f"/api/v1/articles/{draft_slug}/publish", headers=alice.headers)
    page = client.get(_path(link["url"]))
    assert page.status_code == 302
    assert page.location == f"/articles/{draft_slug}"


def test_shared_drafts_stay_out_of_feeds_sitemaps_search_and_lists(
    client: FlaskClient, alice: Account, draft_slug: str
) -> None:
    _new_link(client, alice, draft_slug)
    for path in (
        "/",
        "/atom.xml",
        "/sitemap.xml",
        "/search?q=symphony",
        "/api/v1/articles?q=symphony",
        "/api/articles",
        "/@alice",
    ):
        assert draft_slug not in client.get(path).get_data(as_text=True), path


def test_deleting_the_article_deletes_its_links(
    app: Flask, session: Session, count_queries: Any
) -> None:
    author = UserFactory()
    draft = ArticleFactory(author=author, draft=True)
    draft_links.create_draft_link(session, author, draft)
    session.flush()
    session.delete(draft)
    session.flush()
    assert session.scalar(select(func.count()).select_from(DraftLink)) == 0


def test_the_rule_refuses_unknown_tokens(session: Session) -> None:
    with pytest.raises(NotFound) as excinfo:
        draft_links.article_for_token(session, "A" * 43)
    assert excinfo.value.errors == {"draft link": ["not found"]}


def test_the_shared_version_is_the_drafts_text(session: Session) -> None:
    author = UserFactory(display_name="Clara")
    draft = ArticleFactory(author=author, draft=True, title="Working title", tags=["music"])
    version = draft_links.shared_version(session, draft)
    assert (version.title, version.author_name, version.tags) == (
        "Working title",
        "Clara",
        ("music",),
    )
    assert version.is_draft


# --- from the editor ------------------------------------------------------------------------


def _editor_fields(article: Article) -> dict[str, str]:
    return {
        "title": article.title,
        "description": article.description,
        "body": "Typed before sharing.",
        "tags": "",
    }


def test_the_editor_creates_and_revokes_links_saving_what_was_typed(
    app: Flask, signed_in: FlaskClient, session: Session, user: User
) -> None:
    draft = ArticleFactory(author=user, draft=True)
    response = signed_in.post(f"/articles/{draft.slug}/draft-links", data=_editor_fields(draft))
    assert response.status_code == 302
    editor = signed_in.get(response.location)
    shown = text(editor)
    assert "Share link created (copy it now, it is shown only once): http://localhost/d/" in shown
    url = shown.split("shown only once): ", 1)[1].split()[0]
    session.expire_all()
    assert session.get(Article, draft.id).body == "Typed before sharing."  # type: ignore[union-attr]
    link = session.scalars(select(DraftLink)).one()
    assert "Link 1, created" in text(signed_in.get(f"/articles/{draft.slug}/edit"))
    stranger = app.test_client()
    assert stranger.get(_path(url)).status_code == 200
    revoke = signed_in.post(
        f"/articles/{draft.slug}/draft-links/{link.id}/revoke", data=_editor_fields(draft)
    )
    assert revoke.status_code == 302, revoke.location
    assert revoke.location == f"/articles/{draft.slug}/edit"
    assert stranger.get(_path(url)).status_code == 404


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict[str, Any]:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_DRAFT_LINK": "3 per minute"}

    def test_guessing_tokens_is_rate_limited(self, client: FlaskClient) -> None:
        statuses = [client.get(f"/d/{'g' * 42}{n}").status_code for n in range(5)]
        assert statuses == [404, 404, 404, 429, 429]


@pytest.mark.parametrize("link_id", ["0", "2147483648", "99999999999999999999999", "-1", "x"])
def test_link_ids_no_row_can_have_are_404_not_500(
    client: FlaskClient, alice: Account, draft_slug: str, link_id: str
) -> None:
    path = f"/api/v1/articles/{draft_slug}/draft-links/{link_id}"
    assert client.delete(path, headers=alice.headers).status_code == 404
