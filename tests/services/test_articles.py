"""Article rules: drafts, publishing, slugs, tags, permissions, favorites."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.queries import ArticleFilter
from folio.core.errors import Forbidden, NotFound, ValidationFailed
from folio.models import Article, Comment, Favorite
from tests.factories import ArticleFactory, CommentFactory, UserFactory


def write(session: Session, author: object, **fields: object) -> Article:
    data: dict[str, object] = {
        "title": "How to train your dragon",
        "description": "Ever wonder how?",
        "body": "You have to believe\n\n```python\nprint('fly')\n```",
        "tags": ["Dragons", "training"],
        "publish": True,
    }
    data.update(fields)
    return articles.create_article(session, author, **data)  # type: ignore[arg-type]


def test_create_publishes_with_rendered_sanitised_html_and_sorted_normalised_tags(
    session: Session,
) -> None:
    author = UserFactory()
    article = write(session, author, body="Hello <script>alert(1)</script> *world*")
    assert article.slug == "how-to-train-your-dragon"
    assert article.is_published
    assert article.published_at is not None
    assert "<em>world</em>" in article.body_html
    assert "<script" not in article.body_html
    assert article.tag_names == ["dragons", "training"]


def test_tags_are_trimmed_lowercased_hyphenated_and_deduplicated(session: Session) -> None:
    assert article_queries.normalise_tags([" Web  Dev ", "web-dev", "Python", ""]) == [
        "python",
        "web-dev",
    ]


def test_a_draft_needs_only_a_title(session: Session) -> None:
    draft = articles.create_article(
        session, UserFactory(), title="Notes", description=None, body=None
    )
    assert not draft.is_published
    assert draft.published_at is None
    with pytest.raises(ValidationFailed) as caught:
        articles.create_article(session, UserFactory(), title=" ", description="", body="")
    assert set(caught.value.errors) == {"title"}


def test_publishing_needs_title_description_and_body(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        write(session, UserFactory(), title="", description="", body="")
    assert caught.value.errors == {
        "title": ["can't be blank"],
        "description": ["can't be blank"],
        "body": ["can't be blank"],
    }
    draft = articles.create_article(
        session, UserFactory(), title="Half done", description="", body=""
    )
    with pytest.raises(ValidationFailed):
        articles.publish_article(session, draft.author, draft)


def test_duplicate_titles_get_distinct_slugs(session: Session) -> None:
    author = UserFactory()
    first, second = write(session, author), write(session, author)
    assert first.slug != second.slug
    assert second.slug.startswith("how-to-train-your-dragon-")


def test_a_drafts_slug_follows_its_title_until_it_is_published(session: Session) -> None:
    author = UserFactory()
    draft = write(session, author, publish=False)
    articles.update_article(session, author, draft, {"title": "A better title"})
    assert draft.slug == "a-better-title"
    articles.publish_article(session, author, draft)
    articles.update_article(session, author, draft, {"title": "Renamed after publishing"})
    assert draft.slug == "a-better-title"
    assert draft.title == "Renamed after publishing"


def test_update_changes_only_what_is_given_and_moves_updated_at(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    before, version = article.updated_at, article.version
    articles.update_article(session, author, article, {"body": "New **body**"})
    assert article.description == "Ever wonder how?"
    assert article.tag_names == ["dragons", "training"]
    assert "<strong>body</strong>" in article.body_html
    assert article.updated_at > before
    assert article.version == version + 1


def test_update_tags_empty_list_clears_and_none_is_refused(session: Session) -> None:
    author = UserFactory()
    article = write(session, author)
    with pytest.raises(ValidationFailed) as caught:
        articles.update_article(session, author, article, {"tags": None})
    assert "tags" in caught.value.errors
    articles.update_article(session, author, article, {"tags": []})
    assert article.tag_names == []


def test_only_the_author_may_edit_or_publish(session: Session) -> None:
    article = ArticleFactory(draft=True)
    admin = UserFactory(admin=True)
    for actor in (UserFactory(), admin):
        with pytest.raises(Forbidden):
            articles.update_article(session, actor, article, {"title": "Mine now"})
        with pytest.raises(Forbidden):
            articles.publish_article(session, actor, article)


def test_author_or_admin_may_unpublish_and_delete(session: Session) -> None:
    stranger, admin = UserFactory(), UserFactory(admin=True)
    article = ArticleFactory()
    with pytest.raises(Forbidden):
        articles.unpublish_article(session, stranger, article)
    articles.unpublish_article(session, admin, article)
    assert not article.is_published
    with pytest.raises(Forbidden):
        articles.delete_article(session, stranger, article)
    loaded = article_queries.get_article(session, article.author, article.slug)
    articles.delete_article(session, admin, loaded)
    with pytest.raises(NotFound):
        article_queries.get_article(session, admin, article.slug)


def test_deleting_an_article_removes_its_comments_and_favorites(session: Session) -> None:
    article = ArticleFactory()
    CommentFactory(article=article)
    fan = UserFactory()
    articles.favorite_article(session, fan, article)
    loaded = article_queries.get_article(session, article.author, article.slug)
    articles.delete_article(session, article.author, loaded)
    session.expire_all()
    assert session.scalars(select(Comment)).all() == []
    assert session.scalars(select(Favorite)).all() == []


def test_unpublishing_keeps_the_slug_and_republishing_keeps_the_first_date(
    session: Session,
) -> None:
    article = ArticleFactory()
    first_published = article.published_at
    articles.unpublish_article(session, article.author, article)
    articles.publish_article(session, article.author, article)
    assert article.published_at == first_published


def test_a_draft_is_visible_to_its_author_and_admins_only(session: Session) -> None:
    draft = ArticleFactory(draft=True)
    assert article_queries.get_article(session, draft.author, draft.slug) == draft
    assert article_queries.get_article(session, UserFactory(admin=True), draft.slug) == draft
    for viewer in (None, UserFactory()):
        with pytest.raises(NotFound):
            article_queries.get_article(session, viewer, draft.slug)


def test_drafts_stay_out_of_every_public_list(session: Session) -> None:
    author, fan = UserFactory(), UserFactory()
    draft = ArticleFactory(draft=True, author=author, tags=["secret"], title="Secret plans")
    articles.favorite_article(session, author, draft)
    from folio.social import rules as social

    social.follow(session, fan, author.username)
    for filters in (
        ArticleFilter(),
        ArticleFilter(tag="secret"),
        ArticleFilter(author=author.username),
        ArticleFilter(favorited_by=author.username),
        ArticleFilter(query="secret"),
        ArticleFilter(feed=True),
    ):
        page = article_queries.list_articles(session, fan, filters)
        assert page.items == [], filters
        assert page.total == 0
    assert article_queries.popular_tags(session) == []
    mine = article_queries.list_articles(session, author, ArticleFilter(mine=True))
    assert [item.article for item in mine.items] == [draft]


def test_favorites_count_and_flag_and_idempotence(session: Session) -> None:
    article, fan = ArticleFactory(), UserFactory()
    articles.favorite_article(session, fan, article)
    articles.favorite_article(session, fan, article)
    assert article.favorites_count == 1
    assert article_queries.is_favorited(session, fan, article)
    articles.unfavorite_article(session, fan, article)
    articles.unfavorite_article(session, fan, article)
    assert article.favorites_count == 0
    assert not article_queries.is_favorited(session, fan, article)


def test_nobody_can_favorite_a_draft_they_cannot_see(session: Session) -> None:
    with pytest.raises(NotFound):
        articles.favorite_article(session, UserFactory(), ArticleFactory(draft=True))


def test_too_many_or_too_long_tags_are_refused(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        write(session, UserFactory(), tags=[f"t{i}" for i in range(11)])
    assert "tags" in caught.value.errors
    with pytest.raises(ValidationFailed):
        write(session, UserFactory(), tags=["x" * 100])


def test_a_megabyte_of_markdown_saves(session: Session) -> None:
    # Paragraphs of a few sentences: 20,000 one-line paragraphs of markup take longer
    # than the render budget (folio.articles.markdown_limits) and are refused.
    words = "It goes on with plain words for a while, as articles do. " * 4
    body = (f"A paragraph of prose with *emphasis* and `code`. {words}\n\n" * 3600)[:1_000_000]
    article = write(session, UserFactory(), body=body)
    assert len(article.body) == 1_000_000
    assert article.body_html.count("<em>") == 3585
