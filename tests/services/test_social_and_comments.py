"""Following people and commenting on articles."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from folio.accounts import rules as accounts
from folio.comments import rules as comments
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.social import rules as social
from tests.factories import ArticleFactory, CommentFactory, UserFactory


def test_follow_and_unfollow_are_idempotent(session: Session) -> None:
    reader, writer = UserFactory(), UserFactory(username="Writer")
    assert social.follow(session, reader, "writer").following
    assert social.follow(session, reader, "WRITER").following
    assert social.profile(session, reader, "writer").following
    assert not social.unfollow(session, reader, "writer").following
    assert not social.unfollow(session, reader, "writer").following
    assert not social.profile(session, reader, writer.username).following


def test_nobody_follows_themself_or_a_missing_user(session: Session) -> None:
    reader = UserFactory()
    with pytest.raises(ValidationFailed):
        social.follow(session, reader, reader.username)
    with pytest.raises(NotFound) as caught:
        social.follow(session, reader, "ghost")
    assert caught.value.errors == {"profile": ["not found"]}


def test_profiles_of_deactivated_users_are_gone(session: Session) -> None:
    admin, user = UserFactory(admin=True), UserFactory()
    accounts.deactivate(session, admin, user)
    with pytest.raises(NotFound):
        social.profile(session, None, user.username)


def test_comments_oldest_first_with_following_flag(session: Session) -> None:
    article = ArticleFactory()
    reader, friend = UserFactory(), UserFactory()
    social.follow(session, reader, friend.username)
    first = comments.add_comment(session, friend, article, "  First!  ")
    second = comments.add_comment(session, reader, article, "Second")
    listed = comments.list_comments(session, reader, article)
    assert [c.comment.id for c in listed] == [first.id, second.id]
    assert listed[0].comment.body == "First!"
    assert [c.following for c in listed] == [True, False]


def test_blank_or_huge_comments_are_refused(session: Session) -> None:
    article, reader = ArticleFactory(), UserFactory()
    with pytest.raises(ValidationFailed) as caught:
        comments.add_comment(session, reader, article, "   ")
    assert caught.value.errors == {"body": ["can't be blank"]}
    with pytest.raises(ValidationFailed):
        comments.add_comment(session, reader, article, "x" * (comments.COMMENT_MAX + 1))


def test_nobody_comments_on_a_draft_they_cannot_see(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    with pytest.raises(NotFound):
        comments.add_comment(session, UserFactory(), draft, "Hello")
    with pytest.raises(NotFound):
        comments.list_comments(session, None, draft)


@pytest.mark.parametrize("who", ["comment author", "article author", "admin"])
def test_who_may_delete_a_comment(session: Session, who: str) -> None:
    comment = CommentFactory()
    actor = {
        "comment author": comment.author,
        "article author": comment.article.author,
        "admin": UserFactory(admin=True),
    }[who]
    comments.delete_comment(session, actor, comment.article, comment.id)
    assert comments.list_comments(session, None, comment.article) == []


def test_others_may_not_delete_a_comment_and_ids_are_per_article(session: Session) -> None:
    comment = CommentFactory()
    with pytest.raises(Forbidden) as caught:
        comments.delete_comment(session, UserFactory(), comment.article, comment.id)
    assert caught.value.errors == {"comment": ["forbidden"]}
    with pytest.raises(NotFound):
        comments.delete_comment(session, comment.author, ArticleFactory(), comment.id)
