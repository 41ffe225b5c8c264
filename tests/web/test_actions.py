"""Favorites, follows and comments: POST actions with redirects or JSON."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.models import Comment, Follow, User
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.web.helpers import field_error, sign_in, text, textarea_value

JSON = {"Accept": "application/json"}


def test_favorite_and_unfavorite_with_redirects(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="liked", title="Liked")
    response = signed_in.post("/articles/liked/favorite", data={"next": "/?x=1"})
    assert response.status_code == 302
    assert response.location == "/?x=1"
    page = signed_in.get("/articles/liked")
    assert "Added “Liked” to your favorites." in text(page)
    assert 'aria-pressed="true"' in page.get_data(as_text=True)
    assert "Favorited 1" in text(page)
    signed_in.post("/articles/liked/unfavorite")
    assert "Favorite 0" in text(signed_in.get("/articles/liked"))


def test_favorite_via_fetch_returns_json(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="fetchy")
    response = signed_in.post("/articles/fetchy/favorite", headers=JSON)
    assert response.json == {"favorited": True, "favorites_count": 1}
    again = signed_in.post("/articles/fetchy/favorite", headers=JSON)
    assert again.json == {"favorited": True, "favorites_count": 1}
    off = signed_in.post("/articles/fetchy/unfavorite", headers=JSON)
    assert off.json == {"favorited": False, "favorites_count": 0}


def test_favorite_an_unknown_or_draft_article_is_404(
    signed_in: FlaskClient, session: Session
) -> None:
    ArticleFactory(slug="hidden", draft=True)
    assert signed_in.post("/articles/hidden/favorite").status_code == 404
    assert signed_in.post("/articles/none/favorite").status_code == 404


def test_favorite_needs_sign_in_and_returns_to_the_page(
    client: FlaskClient, session: Session
) -> None:
    ArticleFactory(slug="anon")
    response = client.post(
        "/articles/anon/favorite", headers={"Referer": "http://localhost/articles/anon"}
    )
    assert response.status_code == 302
    assert response.location == "/auth/login?next=/articles/anon"
    fetch = client.post("/articles/anon/favorite", headers=JSON)
    assert fetch.status_code == 401


def test_redirect_after_an_action_stays_on_site(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="safe-next")
    response = signed_in.post(
        "/articles/safe-next/favorite", data={"next": "https://evil.example/"}
    )
    assert response.location == "/articles/safe-next"


def test_follow_and_unfollow(signed_in: FlaskClient, session: Session, user: User) -> None:
    author = UserFactory(username="poet", display_name="The Poet")
    response = signed_in.post("/@poet/follow")
    assert response.status_code == 302
    assert response.location == "/@poet"
    page = signed_in.get("/@poet")
    assert "You follow The Poet" in text(page)
    assert "Following" in text(page)
    follow = session.scalar(select(Follow).where(Follow.follower_id == user.id))
    assert follow is not None
    assert follow.followee_id == author.id
    assert signed_in.post("/@poet/unfollow", headers=JSON).json == {"following": False}
    assert session.scalar(select(Follow).where(Follow.follower_id == user.id)) is None


def test_cannot_follow_yourself(signed_in: FlaskClient) -> None:
    response = signed_in.post("/@alice/follow")
    assert response.status_code == 422
    assert "cannot follow yourself" in text(response)


def test_follow_unknown_user_is_404(signed_in: FlaskClient) -> None:
    assert signed_in.post("/@nobody/follow").status_code == 404


def test_follow_is_post_only(signed_in: FlaskClient, session: Session) -> None:
    UserFactory(username="getme")
    assert signed_in.get("/@getme/follow").status_code == 405


def test_comment_is_added_and_shown_last(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    article = ArticleFactory(slug="discuss")
    CommentFactory(article=article, body="Earlier comment")
    response = signed_in.post("/articles/discuss/comments", data={"body": "My <b>take</b>"})
    assert response.status_code == 302
    assert response.location.startswith("/articles/discuss#comment-")
    page = signed_in.get("/articles/discuss")
    body = text(page)
    assert "Your comment is posted." in body
    assert body.index("Earlier comment") < body.index("My <b>take</b>")
    assert "My &lt;b&gt;take&lt;/b&gt;" in page.get_data(as_text=True)


def test_blank_comment_shows_the_error_by_the_field(
    signed_in: FlaskClient, session: Session
) -> None:
    ArticleFactory(slug="blank")
    response = signed_in.post("/articles/blank/comments", data={"body": "   "})
    assert response.status_code == 422
    assert field_error(response, "body") == "Comment can't be blank"


def test_too_long_comment_keeps_the_text(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="long")
    response = signed_in.post("/articles/long/comments", data={"body": "y" * 5001})
    assert response.status_code == 422
    assert "too long" in field_error(response, "body")
    assert textarea_value(response, "body") == "y" * 5001


def test_comment_needs_sign_in(client: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="quiet")
    response = client.post("/articles/quiet/comments", data={"body": "hi"})
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")


def test_comment_author_and_article_author_may_delete(
    client: FlaskClient, session: Session
) -> None:
    author = UserFactory()
    commenter = UserFactory()
    article = ArticleFactory(slug="mod", author=author)
    first = CommentFactory(article=article, author=commenter, body="Remove me")
    second = CommentFactory(article=article, author=commenter, body="Me too")
    sign_in(client, commenter)
    assert client.post(f"/articles/mod/comments/{first.id}/delete").status_code == 302
    client.post("/auth/logout")
    sign_in(client, author)
    page = client.get("/articles/mod")
    assert f"/articles/mod/comments/{second.id}/delete" in page.get_data(as_text=True)
    response = client.post(f"/articles/mod/comments/{second.id}/delete")
    assert response.status_code == 302
    assert "The comment was deleted." in text(client.get("/articles/mod"))
    assert session.scalars(select(Comment).where(Comment.article_id == article.id)).all() == []


def test_others_cannot_delete_a_comment(signed_in: FlaskClient, session: Session) -> None:
    article = ArticleFactory(slug="notyours")
    comment = CommentFactory(article=article)
    page = signed_in.get("/articles/notyours")
    assert "/delete" not in page.get_data(as_text=True).split('id="comments"')[1]
    assert signed_in.post(f"/articles/notyours/comments/{comment.id}/delete").status_code == 403


def test_deleting_a_missing_comment_is_404(signed_in: FlaskClient, session: Session) -> None:
    ArticleFactory(slug="empty")
    assert signed_in.post("/articles/empty/comments/999999/delete").status_code == 404


def test_admin_may_delete_any_comment(client: FlaskClient, session: Session) -> None:
    admin = UserFactory(admin=True)
    article = ArticleFactory(slug="adm")
    comment = CommentFactory(article=article)
    sign_in(client, admin)
    assert client.post(f"/articles/adm/comments/{comment.id}/delete").status_code == 302
