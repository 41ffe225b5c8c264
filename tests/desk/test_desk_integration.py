"""The desk's parts together: a share link shows a published article's pending update
without publishing it, and actions that save on the way respect the editor's version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.articles import autosave
from folio.models import Article, User
from tests.factories import ArticleFactory
from tests.web.helpers import text


def _fields(article: Article, body: str, version: int | None = None) -> dict[str, str]:
    return {
        "title": article.title,
        "description": article.description,
        "body": body,
        "tags": "",
        "version": str(version if version is not None else article.version),
    }


def _in_two_days() -> str:
    return (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def _link_from(editor_text: str) -> str:
    url = editor_text.split("shown only once): ", 1)[1].split()[0]
    return "/d/" + url.rsplit("/d/", 1)[1]


def test_sharing_a_published_articles_update_shows_it_to_the_link_but_not_to_readers(
    app: Flask, signed_in: FlaskClient, session: Session, user: User
) -> None:
    article = ArticleFactory(author=user, title="Field notes", body="What readers see.")
    created = signed_in.post(
        f"/articles/{article.slug}/draft-links", data=_fields(article, "The *coming* update.")
    )
    assert created.status_code == 302
    editor = text(signed_in.get(created.location))
    assert "Share your update" in editor
    stranger = app.test_client()

    shared = stranger.get(_link_from(editor))
    assert shared.status_code == 200
    assert "<em>coming</em>" in shared.get_data(as_text=True)
    assert "Draft of an update." in text(shared)
    assert shared.headers["Cache-Control"] == "private, no-store"

    public = stranger.get(f"/articles/{article.slug}")
    assert "What readers see." in text(public)
    assert "coming" not in text(public)


def test_a_link_to_a_published_article_with_nothing_pending_leads_to_its_page(
    app: Flask, signed_in: FlaskClient, session: Session, user: User
) -> None:
    article = ArticleFactory(author=user, body="Settled.")
    created = signed_in.post(
        f"/articles/{article.slug}/draft-links", data=_fields(article, "An idea.")
    )
    link = _link_from(text(signed_in.get(created.location)))
    with app.app_context():
        autosave.discard_pending(session, user, session.merge(article))
        session.commit()
    answer = app.test_client().get(link)
    assert answer.status_code == 302
    assert answer.location.endswith(f"/articles/{article.slug}")


def test_scheduling_from_a_stale_editor_shows_the_conflict_and_changes_nothing(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    draft = ArticleFactory(author=user, draft=True, body="Written in the other tab.")
    draft.version = 3
    session.commit()
    response = signed_in.post(
        f"/articles/{draft.slug}/schedule",
        data={**_fields(draft, "Written here.", version=2), "publish_at": _in_two_days()},
    )
    assert response.status_code == 409
    shown = text(response)
    assert "Written in the other tab." in shown
    assert "Written here." in shown
    session.expire_all()
    stored = session.get(Article, draft.id)
    assert stored is not None
    assert (stored.body, stored.publish_at) == ("Written in the other tab.", None)
