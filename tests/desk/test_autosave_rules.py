"""The autosave rules: drafts change in place, published articles keep a pending edit that
readers never see until it is published; the rules both faces call."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.articles import autosave
from folio.articles import rules as articles
from folio.articles.rules import ArticleChanges
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.core.events import take
from folio.models import Article, PendingEdit, User
from tests.factories import ArticleFactory, UserFactory


def changes(body: str, **fields: Any) -> ArticleChanges:
    return {
        "title": fields.get("title", "The title"),
        "description": fields.get("description", "About it"),
        "body": body,
        "tags": fields.get("tags", []),
        "cover_image": fields.get("cover_image"),
    }


@pytest.fixture
def author(session: Session) -> User:
    return UserFactory(username="writer")


@pytest.fixture
def published(session: Session, author: User) -> Article:
    return ArticleFactory(author=author, title="The title", body="Readers see this.")


def pendings(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PendingEdit)) or 0


def test_autosaving_a_draft_changes_the_draft_and_moves_its_version(
    session: Session, author: User
) -> None:
    draft = ArticleFactory(author=author, draft=True, body="First.")
    result = autosave.autosave(session, author, draft, changes("Second."), version=draft.version)
    assert (draft.body, result.version, result.pending) == ("Second.", 2, None)
    assert "<p>Second.</p>" in draft.body_html
    assert pendings(session) == 0


def test_autosaving_a_published_article_keeps_a_pending_edit_readers_do_not_see(
    session: Session, author: User, published: Article
) -> None:
    html, updated = published.body_html, published.updated_at
    result = autosave.autosave(
        session, author, published, changes("A better text.", tags=["Garden"]), version=1
    )
    assert result.pending is not None
    assert (published.body, published.body_html, published.version) == (
        "Readers see this.",
        html,
        1,
    )
    assert published.updated_at == updated
    assert (result.pending.body, result.pending.tags, result.pending_version) == (
        "A better text.",
        ["garden"],
        1,
    )
    # The next autosave from the same editor names the pending version it got back.
    again = autosave.autosave(
        session, author, published, changes("Better still."), version=1, pending_version=1
    )
    assert (again.pending_version, pendings(session)) == (2, 1)
    assert published.body == "Readers see this."


def test_the_first_autosave_of_a_new_article_creates_a_draft_even_without_a_title(
    session: Session, author: User
) -> None:
    result = autosave.autosave(
        session, author, None, changes("Words first.", title=""), version=None
    )
    assert result.created
    assert (result.article.title, result.article.status, result.article.body) == (
        autosave.UNTITLED,
        "draft",
        "Words first.",
    )


def test_publishing_the_pending_edit_applies_it_through_the_update_rules(
    session: Session, author: User, published: Article
) -> None:
    autosave.autosave(session, author, published, changes("Now **public**."), version=1)
    take(session)
    autosave.publish_pending(session, author, published, pending_version=1)
    assert published.body == "Now **public**."
    assert "<strong>public</strong>" in published.body_html
    assert published.version == 2
    assert pendings(session) == 0
    assert [event.NAME for event in take(session)] == ["article.updated"]


def test_publishing_without_a_pending_edit_is_not_found(
    session: Session, author: User, published: Article
) -> None:
    with pytest.raises(NotFound) as raised:
        autosave.publish_pending(session, author, published)
    assert raised.value.errors == {"pending_edit": ["not found"]}


def test_a_pending_edit_is_still_checked_when_it_is_published(
    session: Session, author: User, published: Article
) -> None:
    autosave.autosave(session, author, published, changes("", description=""), version=1)
    with pytest.raises(ValidationFailed) as raised:
        autosave.publish_pending(session, author, published)
    assert set(raised.value.errors) == {"description", "body"}


def test_discarding_forgets_the_pending_edit_and_twice_changes_nothing(
    session: Session, author: User, published: Article
) -> None:
    autosave.autosave(session, author, published, changes("Never mind."), version=1)
    autosave.discard_pending(session, author, published)
    autosave.discard_pending(session, author, published)
    assert pendings(session) == 0
    assert published.body == "Readers see this."


def test_only_the_author_autosaves_publishes_or_discards(
    session: Session, published: Article
) -> None:
    stranger = UserFactory(username="stranger")
    with pytest.raises(Forbidden):
        autosave.autosave(session, stranger, published, changes("Mine now."), version=1)
    with pytest.raises(Forbidden):
        autosave.publish_pending(session, stranger, published)
    with pytest.raises(Forbidden):
        autosave.discard_pending(session, stranger, published)
    assert pendings(session) == 0


def test_a_pending_edit_over_the_limits_is_refused_and_nothing_is_kept(
    session: Session, author: User, published: Article
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        autosave.autosave(session, author, published, changes("x", title="t" * 201), version=1)
    assert "title" in raised.value.errors
    with pytest.raises(ValidationFailed) as raised:
        autosave.autosave(
            session,
            author,
            published,
            changes("x", cover_image="http://localhost/media/images/" + "a" * 64 + "/original.jpg"),
            version=1,
        )
    assert raised.value.errors == {"cover_image": ["is not one of your uploaded images"]}
    assert pendings(session) == 0


def test_deleting_the_article_deletes_its_pending_edit(
    session: Session, author: User, published: Article
) -> None:
    autosave.autosave(session, author, published, changes("Soon gone."), version=1)
    articles.delete_article(session, author, published)
    session.expire_all()
    assert pendings(session) == 0


def test_the_editor_opens_the_pending_edit_with_both_versions(
    session: Session, author: User, published: Article
) -> None:
    assert autosave.current_text(session, published).body == "Readers see this."
    autosave.autosave(session, author, published, changes("Pending words."), version=1)
    text = autosave.current_text(session, published)
    assert (text.body, text.version, text.pending_version, text.by) == (
        "Pending words.",
        1,
        1,
        "writer",
    )


def test_an_autosave_of_a_published_article_takes_a_few_queries(
    session: Session, author: User, published: Article, count_queries: Any
) -> None:
    autosave.autosave(session, author, published, changes("One."), version=1)
    with count_queries() as counted:
        autosave.autosave(session, author, published, changes("Two."), version=1, pending_version=1)
    # The pending edit read and written; its revision's newest row, body and write.
    assert counted.count <= 5, counted.statements
