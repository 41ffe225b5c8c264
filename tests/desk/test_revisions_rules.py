"""Revision history rules: what is kept, coalescing, storage, restore, who may see."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.articles import revisions
from folio.articles import rules as articles
from folio.articles.revision_models import ArticleRevision, BodyFormat
from folio.articles.revision_storage import KEYFRAME_EVERY, apply_script, line_script
from folio.core.errors import NotFound, ValidationFailed
from folio.models import Article, User
from tests.factories import UserFactory


def write(session: Session, author: User, **fields: object) -> Article:
    data: dict[str, object] = {
        "title": "Night trains",
        "description": "Sleeping across Europe",
        "body": "First paragraph.\n\nSecond paragraph.",
        "tags": ["travel"],
        "publish": False,
    }
    data.update(fields)
    return articles.create_article(session, author, **data)  # type: ignore[arg-type]


def history(session: Session, article: Article) -> list[ArticleRevision]:
    return list(
        session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .order_by(ArticleRevision.number)
        )
    )


def test_create_save_and_publish_each_keep_a_revision_with_who_and_what(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    articles.update_article(session, author, article, {"body": "First paragraph, rewritten."})
    articles.update_article(session, author, article, {"description": "Sleeper trains"})
    articles.publish_article(session, author, article)
    articles.update_article(session, author, article, {"title": "Night trains!"})
    kept = history(session, article)
    # Publishing the text just saved marks that revision rather than copying it.
    assert [(r.number, r.kind) for r in kept] == [
        (1, "save"),
        (2, "save"),
        (3, "publish"),
        (4, "save"),
    ]
    assert all(r.user_id == author.id for r in kept)
    assert kept[0].tags == ["travel"]
    assert revisions.body_of(session, kept[0]) == "First paragraph.\n\nSecond paragraph."
    assert revisions.body_of(session, kept[1]) == "First paragraph, rewritten."
    assert kept[2].description == "Sleeper trains"


def test_publishing_the_text_just_saved_marks_that_revision_instead_of_copying(
    session: Session,
) -> None:
    author = UserFactory()
    article = write(session, author)
    articles.update_article(session, author, article, {"body": "Ready to go."})
    articles.publish_article(session, author, article)
    assert [r.kind for r in history(session, article)] == ["save", "publish"]


def test_a_save_that_changes_nothing_keeps_no_copy(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    articles.update_article(session, author, article, {"title": "Night trains"})
    assert len(history(session, article)) == 1


def test_publishing_at_creation_keeps_a_publish_revision(session: Session) -> None:
    article = write(session, UserFactory(), publish=True)
    assert [r.kind for r in history(session, article)] == ["publish"]


def test_autosaves_of_one_editing_session_coalesce_into_one_revision(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    for text in ("Draft one.", "Draft one, longer.", "Draft one, longer still."):
        article.body = text
        revisions.keep_revision(session, article, author, "autosave", "tab-1")
    kept = history(session, article)
    assert [(r.number, r.kind) for r in kept] == [(1, "save"), (2, "autosave")]
    assert revisions.body_of(session, kept[1]) == "Draft one, longer still."
    assert kept[1].words_added == 4


def test_a_new_editing_session_or_an_explicit_save_starts_a_new_revision(
    session: Session,
) -> None:
    author = UserFactory()
    article = write(session, author)
    article.body = "Typed in the first tab."
    revisions.keep_revision(session, article, author, "autosave", "tab-1")
    article.body = "Typed in the second tab."
    revisions.keep_revision(session, article, author, "autosave", "tab-2")
    articles.update_article(session, author, article, {"body": "Saved by hand."})
    article.body = "Typed after saving."
    revisions.keep_revision(session, article, author, "autosave", "tab-2")
    assert [r.kind for r in history(session, article)] == [
        "save",
        "autosave",
        "autosave",
        "save",
        "autosave",
    ]


def test_autosaving_through_update_article_coalesces_too(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    for text in ("One.", "One. Two."):
        articles.update_article(
            session,
            author,
            article,
            {"body": text},
            revision_kind="autosave",
            editing_session="tab-9",
        )
    assert [r.kind for r in history(session, article)] == ["save", "autosave"]


def test_an_autosave_never_coalesces_into_an_explicit_save(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    article.body = "Autosaved."
    revisions.keep_revision(session, article, author, "autosave", "tab-1")
    assert len(history(session, article)) == 2


def test_an_unknown_kind_is_a_programming_error(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    with pytest.raises(ValueError, match="unknown revision kind"):
        revisions.keep_revision(session, article, author, "draft")


def test_a_pending_draft_can_be_kept_without_touching_the_article(session: Session) -> None:
    author = UserFactory()
    article = write(session, author, publish=True)
    pending = revisions.RevisionContent("Night trains", "New", ("travel",), None, "Pending.")
    kept = revisions.keep_revision(session, article, author, "autosave", "s", content=pending)
    assert revisions.body_of(session, kept) == "Pending."
    assert article.body == "First paragraph.\n\nSecond paragraph."


# --- storage --------------------------------------------------------------------------------


def test_the_line_script_rebuilds_any_edit_exactly() -> None:
    old = "a\nb\nc\n\nd\r\ne"
    for new in ("", "a\nB\nc\n\nd\r\ne", "x\na\nb\nc\n\nd\r\ne\n", "c\n", "é—ü\n" * 3):
        assert apply_script(old, line_script(old, new)) == new


def test_bodies_are_stored_as_keyframes_and_deltas_and_all_read_back(session: Session) -> None:
    author = UserFactory()
    # Words that do not repeat, so compression alone cannot make every copy small.
    paragraphs = [
        " ".join(f"w{(n * 7919 + i * 104729) % 100003}" for i in range(60)) for n in range(40)
    ]
    article = write(session, author, body="\n\n".join(paragraphs))
    bodies = [article.body]
    for step in range(KEYFRAME_EVERY + 5):
        paragraphs[step % 40] = f"Paragraph {step} was rewritten on pass {step}."
        articles.update_article(session, author, article, {"body": "\n\n".join(paragraphs)})
        bodies.append(article.body)
    session.expire_all()
    kept = history(session, article)
    formats = [r.body_format for r in kept]
    assert formats[0] == formats[KEYFRAME_EVERY] == BodyFormat.FULL
    assert formats.count(BodyFormat.DELTA) == len(kept) - 2
    assert [revisions.body_of(session, r) for r in kept] == bodies
    # A delta is a small fraction of the compressed whole body.
    assert max(len(r.body_data) for r in kept[1:KEYFRAME_EVERY]) < len(kept[0].body_data) / 4


# --- who may see, restore -------------------------------------------------------------------


def test_only_the_author_and_administrators_see_revisions(session: Session) -> None:
    author, admin, other = UserFactory(), UserFactory(admin=True), UserFactory()
    article = write(session, author, publish=True)
    first = history(session, article)[0]
    assert revisions.list_revisions(session, admin, article, limit=20, offset=0).total == 1
    for outsider in (other, None):
        with pytest.raises(NotFound):
            revisions.list_revisions(session, outsider, article, limit=20, offset=0)
        with pytest.raises(NotFound):
            revisions.get_revision(session, outsider, article, first.id)
    with pytest.raises(NotFound):
        revisions.restore_revision(session, other, article, first)


def test_restore_puts_the_old_content_back_and_keeps_a_restore_revision(
    session: Session,
) -> None:
    author = UserFactory()
    article = write(session, author, publish=True)
    articles.update_article(
        session, author, article, {"title": "Day trains", "body": "Gone.", "tags": ["rail"]}
    )
    first = history(session, article)[0]
    version = article.version
    revisions.restore_revision(session, author, article, first)
    assert (article.title, article.body, article.tag_names) == (
        "Night trains",
        "First paragraph.\n\nSecond paragraph.",
        ["travel"],
    )
    assert "<p>Second paragraph.</p>" in article.body_html
    assert article.version == version + 1
    assert article.slug == "night-trains"  # published: the slug never changes
    assert [r.kind for r in history(session, article)] == ["publish", "save", "restore"]


def test_an_administrator_restores_on_the_authors_behalf(session: Session) -> None:
    author, admin = UserFactory(), UserFactory(admin=True)
    article = write(session, author)
    articles.update_article(session, author, article, {"body": "Vandalised."})
    revisions.restore_revision(session, admin, article, history(session, article)[0])
    newest = history(session, article)[-1]
    assert (newest.kind, newest.user_id) == ("restore", admin.id)
    assert article.body == "First paragraph.\n\nSecond paragraph."


def test_a_revision_of_another_article_is_not_found_and_nothing_changes(
    session: Session,
) -> None:
    author = UserFactory()
    mine, other = write(session, author), write(session, author, title="Ferries", body="Sea.")
    foreign = history(session, other)[0]
    with pytest.raises(NotFound) as caught:
        revisions.get_revision(session, author, mine, foreign.id)
    assert caught.value.errors == {"revision": ["is not a revision of this article"]}
    with pytest.raises(NotFound):
        revisions.restore_revision(session, author, mine, foreign)
    assert mine.body == "First paragraph.\n\nSecond paragraph."
    assert len(history(session, mine)) == 1


def test_comparing_revisions_of_two_articles_is_refused(session: Session) -> None:
    author = UserFactory()
    mine, other = write(session, author), write(session, author, title="Ferries")
    with pytest.raises(ValidationFailed) as caught:
        revisions.compare_revisions(
            session, author, mine, history(session, mine)[0].id, history(session, other)[0].id
        )
    assert "belongs to another article" in caught.value.errors["b"][0]


def test_restoring_content_that_breaks_todays_rules_changes_nothing(session: Session) -> None:
    author = UserFactory()
    article = write(session, author, body="")
    articles.update_article(session, author, article, {"body": "Now with a body."})
    articles.publish_article(session, author, article)
    empty = history(session, article)[0]
    with pytest.raises(ValidationFailed) as caught:
        revisions.restore_revision(session, author, article, empty)
    assert "body" in caught.value.errors
    session.rollback()


def test_deleting_an_article_deletes_its_revisions(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    articles.update_article(session, author, article, {"body": "More."})
    article_id = article.id
    articles.delete_article(session, author, article)
    left = session.scalar(select(func.count()).where(ArticleRevision.article_id == article_id))
    assert left == 0


def test_closing_the_writers_account_keeps_revisions_without_a_name(session: Session) -> None:
    author, admin = UserFactory(), UserFactory(admin=True)
    article = write(session, author)
    revisions.restore_revision(session, admin, article, history(session, article)[0])
    session.delete(admin)
    session.flush()
    session.expire_all()
    assert history(session, article)[-1].user_id is None
