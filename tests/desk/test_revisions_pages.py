"""The revision history pages: list, view, compare, restore; who may see them; bad input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import rules as articles
from folio.articles.revision_models import ArticleRevision
from folio.models import Article, User
from tests.factories import UserFactory
from tests.web.helpers import CommittingClient, sign_in_through_the_session, text


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CommittingClient
    return app.test_client()


@pytest.fixture
def author(session: Session) -> User:
    return UserFactory(username="ada")


@pytest.fixture
def article(session: Session, author: User) -> Article:
    article = articles.create_article(
        session,
        author,
        title="Night trains",
        description="Sleeping across Europe",
        body="The Paris sleeper leaves at nine.\n\nBring a book.",
        tags=["travel"],
        publish=True,
    )
    articles.update_article(
        session, author, article, {"body": "The Paris sleeper leaves at ten.\n\nBring a book."}
    )
    return article


def revision_ids(session: Session, article: Article) -> list[int]:
    return list(
        session.scalars(
            select(ArticleRevision.id)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number)
        )
    )


def as_user(client: FlaskClient, user: User) -> FlaskClient:
    sign_in_through_the_session(client, user)
    return client


def test_the_history_lists_revisions_with_who_when_and_a_word_summary(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    response = as_user(client, author).get(f"/articles/{article.slug}/history")
    assert response.status_code == 200
    assert (
        response.headers["Cache-Control"].startswith("no-store")
        or "no-store" in (response.headers["Cache-Control"])
    )
    page = text(response)
    assert "Revision 2 Saved" in page
    assert "Revision 1 Published" in page
    assert "by ada" in page
    # "+1 −1 words", signs spoken as words for screen readers.
    assert "+ 1 word added, − 1 word removed words" in page


def test_the_editor_links_to_the_history(
    client: FlaskClient, author: User, article: Article
) -> None:
    html = as_user(client, author).get(f"/articles/{article.slug}/edit").get_data(as_text=True)
    assert f'href="/articles/{article.slug}/history"' in html


def test_comparing_marks_changed_words_with_signs_and_spoken_labels(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    first, second = revision_ids(session, article)
    response = as_user(client, author).get(
        f"/articles/{article.slug}/history/compare?a={first}&b={second}"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<del><span class="visually-hidden">removed: </span>nine</del>' in html
    assert '<ins><span class="visually-hidden">added: </span>ten</ins>' in html
    assert '<span class="diff-sign" aria-hidden="true">−</span>' in html
    assert '<span class="diff-sign" aria-hidden="true">+</span>' in html
    assert "Title (unchanged)" in text(response)


def test_a_diff_escapes_what_the_writer_typed(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    articles.update_article(
        session, author, article, {"body": "<script>alert(1)</script>\n\nBring a book."}
    )
    ids = revision_ids(session, article)
    html = (
        as_user(client, author)
        .get(f"/articles/{article.slug}/history/compare?a={ids[0]}&b={ids[-1]}")
        .get_data(as_text=True)
    )
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert" in html


def test_one_revision_shows_its_content_rendered_and_as_source(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    first = revision_ids(session, article)[0]
    response = as_user(client, author).get(f"/articles/{article.slug}/history/{first}")
    assert response.status_code == 200
    assert "<p>The Paris sleeper leaves at nine.</p>" in response.get_data(as_text=True)
    assert "Restore this revision" in text(response)


def test_restoring_asks_first_then_restores_and_lists_a_new_revision(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    first = revision_ids(session, article)[0]
    as_user(client, author)
    confirm = client.get(f"/articles/{article.slug}/history/{first}/restore")
    assert "Restore revision 1?" in text(confirm)
    response = client.post(f"/articles/{article.slug}/history/{first}/restore")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/articles/{article.slug}"
    page = text(client.get(f"/articles/{article.slug}"))
    assert "Revision 1 restored. It is kept as revision 3." in page
    assert "leaves at nine" in page
    assert "Revision 3 Restored" in text(client.get(f"/articles/{article.slug}/history"))


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_restoring_needs_the_forms_csrf_token(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    first = revision_ids(session, article)[0]
    response = as_user(client, author).post(f"/articles/{article.slug}/history/{first}/restore")
    assert response.status_code == 400
    session.expire_all()
    assert "at ten" in session.get(Article, article.id).body  # type: ignore[union-attr]


@pytest.mark.parametrize("who", ["stranger", "anonymous"])
def test_nobody_else_sees_or_restores_revisions(
    client: FlaskClient, session: Session, article: Article, who: str
) -> None:
    first = revision_ids(session, article)[0]
    if who == "stranger":
        as_user(client, UserFactory())
    urls = [
        f"/articles/{article.slug}/history",
        f"/articles/{article.slug}/history/{first}",
        f"/articles/{article.slug}/history/compare?a={first}&b={first}",
        f"/articles/{article.slug}/history/{first}/restore",
    ]
    for url in urls:
        response = client.get(url)
        expected = 404 if who == "stranger" else 302  # anonymous: to the sign-in page
        assert response.status_code == expected, url
    response = client.post(f"/articles/{article.slug}/history/{first}/restore")
    assert response.status_code in (404, 302)
    session.expire_all()
    assert "at ten" in session.get(Article, article.id).body  # type: ignore[union-attr]


def test_an_administrator_sees_and_restores(
    client: FlaskClient, session: Session, article: Article
) -> None:
    first = revision_ids(session, article)[0]
    as_user(client, UserFactory(admin=True, username="root"))
    assert client.get(f"/articles/{article.slug}/history").status_code == 200
    assert client.post(f"/articles/{article.slug}/history/{first}/restore").status_code == 302
    assert "by root" in text(client.get(f"/articles/{article.slug}/history"))


def test_a_revision_of_another_article_is_404_with_a_clear_message(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    other = articles.create_article(session, author, title="Ferries", description="", body="")
    foreign = revision_ids(session, other)[0]
    as_user(client, author)
    for url in (
        f"/articles/{article.slug}/history/{foreign}",
        f"/articles/{article.slug}/history/{foreign}/restore",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert f"Revision {foreign}: is not a revision of this article." in text(response)
    response = client.post(f"/articles/{article.slug}/history/{foreign}/restore")
    assert response.status_code == 404
    assert client.get(f"/articles/{article.slug}/history/{2**80}").status_code == 404
    session.expire_all()
    assert session.get(Article, article.id).title == "Night trains"  # type: ignore[union-attr]
    assert len(revision_ids(session, article)) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Revision a: must be a revision number"),
        ("a=1e3&b=2", "Revision a: must be a revision number"),
        ("a=-1&b=2", "Revision a: must be a revision number"),
        ("a=99999999&b=FIRST", "Revision b: must be a revision number"),
        ("a=99999999&b=FIRST_ID", "Revision a: names no revision (99999999)"),
        ("a=FIRST_ID&b=FOREIGN", "belongs to another article"),
    ],
)
def test_bad_comparisons_get_a_clear_message(
    client: FlaskClient,
    session: Session,
    author: User,
    article: Article,
    query: str,
    message: str,
) -> None:
    other = articles.create_article(session, author, title="Ferries", description="", body="")
    query = query.replace("FIRST_ID", str(revision_ids(session, article)[0]))
    query = query.replace("FOREIGN", str(revision_ids(session, other)[0]))
    response = as_user(client, author).get(f"/articles/{article.slug}/history/compare?{query}")
    assert response.status_code == 422
    assert message in text(response)


def test_restoring_text_a_published_article_cannot_have_says_so_and_changes_nothing(
    client: FlaskClient, session: Session, author: User
) -> None:
    article = articles.create_article(session, author, title="Stub", description="", body="")
    articles.update_article(
        session, author, article, {"description": "Now complete", "body": "Done."}
    )
    articles.publish_article(session, author, article)
    empty = revision_ids(session, article)[0]
    response = as_user(client, author).post(f"/articles/{article.slug}/history/{empty}/restore")
    assert response.status_code == 422
    assert "nothing was changed" in text(response)
    assert "Body can't be blank" in text(response)
    session.expire_all()
    assert session.get(Article, article.id).body == "Done."  # type: ignore[union-attr]


def test_the_history_page_runs_the_same_queries_however_long_the_history(
    client: FlaskClient,
    session: Session,
    author: User,
    article: Article,
    count_queries: Any,
) -> None:
    as_user(client, author)

    def queries_for_history() -> int:
        client.get(f"/articles/{article.slug}/history")  # warm: the user, caches
        with count_queries() as counted:
            assert client.get(f"/articles/{article.slug}/history").status_code == 200
        return counted.count

    few = queries_for_history()
    for n in range(15):
        articles.update_article(session, author, article, {"body": f"Version {n}."})
    session.flush()
    assert queries_for_history() == few
    # The signed-in user, the article (author and tags joined), a page of revisions (their
    # savers joined), the count.
    assert few <= 4, few


def test_the_history_is_paginated(
    client: FlaskClient, session: Session, author: User, article: Article
) -> None:
    for n in range(21):
        articles.update_article(session, author, article, {"body": f"Version {n}."})
    as_user(client, author)
    first = text(client.get(f"/articles/{article.slug}/history"))
    assert "Revision 23" in first
    assert "Page 1 of 2" in first
    second = client.get(f"/articles/{article.slug}/history?page=2")
    assert re.search(r"Revision 1 Published", text(second))
