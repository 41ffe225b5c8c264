"""Autosaves and revision history together: one editing session's autosaves are one
revision, a pending edit's text is kept too, and publishing the update is a publish."""

from __future__ import annotations

from sqlalchemy.orm import Session

from folio.articles import autosave
from folio.articles import rules as articles
from folio.articles.revisions import body_of, list_revisions
from folio.articles.rules import ArticleChanges
from folio.models import User
from tests.factories import UserFactory


def changes(body: str, title: str = "Notes") -> ArticleChanges:
    return {"title": title, "description": "About it", "body": body, "tags": []}


def history(session: Session, author: User, article) -> list[tuple[str, str]]:
    page = list_revisions(session, author, article, limit=50, offset=0)
    return [(item.kind, body_of(session, item)) for item in reversed(page.items)]


def test_a_new_articles_autosaves_in_one_session_are_one_revision(session: Session) -> None:
    author = UserFactory()
    first = autosave.autosave(
        session, author, None, changes("One."), version=None, editing_session="s1"
    )
    article = first.article
    for body in ("One. Two.", "One. Two. Three."):
        autosave.autosave(
            session, author, article, changes(body), version=article.version, editing_session="s1"
        )
    assert history(session, author, article) == [("autosave", "One. Two. Three.")]

    autosave.autosave(
        session,
        author,
        article,
        changes("Next day."),
        version=article.version,
        editing_session="s2",
    )
    assert [kind for kind, _ in history(session, author, article)] == ["autosave", "autosave"]


def test_a_published_articles_pending_text_is_kept_and_publishing_it_is_a_publish(
    session: Session,
) -> None:
    author = UserFactory()
    article = articles.create_article(
        session, author, title="Notes", description="About it", body="Live.", publish=True
    )
    pending_version = None
    for body in ("Live, better.", "Live, much better."):
        saved = autosave.autosave(
            session,
            author,
            article,
            changes(body),
            version=article.version,
            pending_version=pending_version,
            editing_session="s1",
        )
        pending_version = saved.pending_version
    assert article.body == "Live."
    assert history(session, author, article) == [
        ("publish", "Live."),
        ("autosave", "Live, much better."),
    ]

    autosave.publish_pending(session, author, article)
    assert article.body == "Live, much better."
    assert [kind for kind, _ in history(session, author, article)][-1] == "publish"
