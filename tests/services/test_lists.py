"""Lists: order, filters, paging, totals, feed, tags, search, and their query cost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.queries import ArticleFilter
from folio.models import User
from folio.social import rules as social
from tests.factories import ArticleFactory, UserFactory


def slugs(page: article_queries.ArticlePage) -> list[str]:
    return [item.article.slug for item in page.items]


def test_newest_first_with_paging_and_total(session: Session) -> None:
    made = [ArticleFactory() for _ in range(5)]
    first = article_queries.list_articles(session, None, limit=2)
    second = article_queries.list_articles(session, None, limit=2, offset=2)
    assert slugs(first) == [made[4].slug, made[3].slug]
    assert slugs(second) == [made[2].slug, made[1].slug]
    assert first.total == second.total == 5


def test_keyset_cursor_continues_where_the_last_page_ended(session: Session) -> None:
    made = [ArticleFactory() for _ in range(5)]
    first = article_queries.list_articles(session, None, limit=2)
    assert first.next_cursor is not None
    second = article_queries.list_articles(session, None, limit=2, after=first.next_cursor)
    third = article_queries.list_articles(session, None, limit=2, after=second.next_cursor)
    assert slugs(second) == [made[2].slug, made[1].slug]
    assert slugs(third) == [made[0].slug]
    assert third.next_cursor is None


def test_filter_by_tag_author_and_favorited(session: Session) -> None:
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    flask_article = ArticleFactory(author=alice, tags=["flask"])
    other = ArticleFactory(author=bob, tags=["python"])
    articles.favorite_article(session, bob, flask_article)
    assert slugs(article_queries.list_articles(session, None, ArticleFilter(tag="Flask"))) == [
        flask_article.slug
    ]
    assert slugs(article_queries.list_articles(session, None, ArticleFilter(author="BOB"))) == [
        other.slug
    ]
    by_fav = article_queries.list_articles(session, None, ArticleFilter(favorited_by="bob"))
    assert slugs(by_fav) == [flask_article.slug]
    nobody = article_queries.list_articles(session, None, ArticleFilter(author="nobody"))
    assert nobody.items == []
    assert nobody.total == 0


def test_viewer_flags_for_favorited_and_following(session: Session) -> None:
    author, viewer = UserFactory(), UserFactory()
    liked, plain = ArticleFactory(author=author), ArticleFactory()
    articles.favorite_article(session, viewer, liked)
    social.follow(session, viewer, author.username)
    page = article_queries.list_articles(session, viewer)
    flags = {item.article.slug: (item.favorited, item.following) for item in page.items}
    assert flags == {liked.slug: (True, True), plain.slug: (False, False)}
    anonymous = article_queries.list_articles(session, None)
    assert all(not i.favorited and not i.following for i in anonymous.items)


def test_feed_shows_followed_authors_only(session: Session) -> None:
    followed, ignored, reader = UserFactory(), UserFactory(), UserFactory()
    wanted = ArticleFactory(author=followed)
    ArticleFactory(author=ignored)
    social.follow(session, reader, followed.username)
    feed = article_queries.list_articles(session, reader, ArticleFilter(feed=True))
    assert slugs(feed) == [wanted.slug]
    assert feed.total == 1
    assert article_queries.list_articles(session, None, ArticleFilter(feed=True)).items == []


def test_my_articles_include_drafts_in_editing_order(session: Session) -> None:
    me = UserFactory()
    published = ArticleFactory(author=me)
    draft = ArticleFactory(author=me, draft=True)
    ArticleFactory()
    mine = article_queries.list_articles(session, me, ArticleFilter(mine=True))
    assert slugs(mine) == [draft.slug, published.slug]
    only_drafts = article_queries.list_articles(
        session, me, ArticleFilter(mine=True, status=articles.Status.DRAFT)
    )
    assert slugs(only_drafts) == [draft.slug]


def test_popular_tags_by_use(session: Session) -> None:
    ArticleFactory(tags=["python", "flask"])
    ArticleFactory(tags=["python"])
    ArticleFactory(tags=["python", "web"])
    ArticleFactory(tags=["web"])
    assert article_queries.popular_tags(session) == ["python", "web", "flask"]


def test_search_ranks_title_over_body_and_covers_all_fields(session: Session) -> None:
    in_body = ArticleFactory(title="Notes", body="We talk about gardening at length.")
    in_title = ArticleFactory(title="Gardening for beginners", body="Soil and seeds.")
    in_description = ArticleFactory(title="Other", description="A gardening diary")
    ArticleFactory(title="Unrelated", body="Nothing here.")
    page = article_queries.list_articles(session, None, ArticleFilter(query="gardening"))
    assert slugs(page)[0] == in_title.slug
    assert set(slugs(page)) == {in_body.slug, in_title.slug, in_description.slug}
    assert page.total == 3


def test_search_matches_word_forms_and_prefixes_and_survives_odd_input(session: Session) -> None:
    article = ArticleFactory(title="Running databases in production")
    assert slugs(article_queries.list_articles(session, None, ArticleFilter(query="database"))) == [
        article.slug
    ]
    assert slugs(article_queries.list_articles(session, None, ArticleFilter(query="produc"))) == [
        article.slug
    ]
    for odd in ['"', "AND OR NOT", "*", "title:x", "(", "' OR 1=1 --", "   ", "🙂"]:
        page = article_queries.list_articles(session, None, ArticleFilter(query=odd))
        assert page.total >= 0


def test_search_results_can_be_narrowed_by_tag(session: Session) -> None:
    tagged = ArticleFactory(title="Flask caching", tags=["flask"])
    ArticleFactory(title="Redis caching", tags=["redis"])
    page = article_queries.list_articles(session, None, ArticleFilter(query="caching", tag="flask"))
    assert slugs(page) == [tagged.slug]


@pytest.mark.parametrize("viewer_kind", ["anonymous", "signed-in"])
def test_a_page_takes_the_same_few_queries_whatever_its_size(
    session: Session, count_queries: Any, viewer_kind: str
) -> None:
    authors = [UserFactory() for _ in range(10)]
    for index in range(60):
        ArticleFactory(author=authors[index % 10], tags=[f"t{index % 7}", "common"])
    viewer = UserFactory() if viewer_kind == "signed-in" else None
    if viewer is not None:
        social.follow(session, viewer, authors[0].username)
    viewer_id = viewer.id if viewer is not None else None

    counts = {}
    for size in (5, 50):
        # Start from an empty identity map, as a new request does.
        session.expunge_all()
        viewer = session.get(User, viewer_id) if viewer_id is not None else None
        with count_queries() as counted:
            page = article_queries.list_articles(session, viewer, limit=size)
            # Touch everything a page shows: authors, tags, counts and the flags.
            for item in page.items:
                _ = (item.article.author.username, item.article.tag_names)
                _ = (item.article.favorites_count, item.favorited, item.following)
        assert len(page.items) == size
        counts[size] = counted.count
    assert counts[5] == counts[50]
    assert counts[50] <= 4


def test_lists_show_tags_in_order_and_a_later_edit_at_once(session: Session) -> None:
    ArticleFactory(tags=["zebra", "apple"])
    session.expunge_all()  # as a new request starts
    (listed,) = article_queries.list_articles(session, None).items
    assert listed.article.tag_names == ["apple", "zebra"]
    # Reading the article in full (as an edit does) loads what the list left out.
    article = article_queries.get_article(session, None, listed.article.slug)
    assert article is listed.article
    articles.update_article(session, article.author, article, {"tags": ["mango"]})
    assert listed.article.tag_names == ["mango"]
    (again,) = article_queries.list_articles(session, None).items
    assert again.article.tag_names == ["mango"]


def test_each_article_in_a_list_shows_its_own_tags(session: Session) -> None:
    untagged = ArticleFactory(tags=[])
    first = ArticleFactory(tags=["web", "api", "zig"])
    second = ArticleFactory(tags=["rust"])
    session.expunge_all()
    page = article_queries.list_articles(session, None)
    shown = {item.article.slug: item.article.tag_names for item in page.items}
    assert shown == {
        untagged.slug: [],
        first.slug: ["api", "web", "zig"],
        second.slug: ["rust"],
    }


def test_the_same_list_shape_with_other_values_gives_other_answers(session: Session) -> None:
    # Each shape's statement is built once and reused with new values: none may stick.
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    by_alice = ArticleFactory(author=alice, tags=["ink"])
    by_bob = ArticleFactory(author=bob, tags=["paper"])
    for name, expected in (("alice", by_alice), ("bob", by_bob), ("alice", by_alice)):
        page = article_queries.list_articles(session, None, ArticleFilter(author=name))
        assert slugs(page) == [expected.slug]
    for tag, expected in (("paper", by_bob), ("ink", by_alice)):
        assert slugs(article_queries.list_articles(session, None, ArticleFilter(tag=tag))) == [
            expected.slug
        ]
    for viewer in (alice, bob):
        social.follow(session, viewer, "bob" if viewer is alice else "alice")
    assert slugs(article_queries.list_articles(session, alice, ArticleFilter(feed=True))) == [
        by_bob.slug
    ]
    assert slugs(article_queries.list_articles(session, bob, ArticleFilter(feed=True))) == [
        by_alice.slug
    ]


def test_a_list_loads_no_bodies_unless_asked(session: Session) -> None:
    ArticleFactory(body="The *whole* text")
    (listed,) = article_queries.list_articles(session, None).items
    with pytest.raises(InvalidRequestError):
        _ = listed.article.body
    session.expunge_all()
    (full,) = article_queries.list_articles(session, None, with_body=True).items
    assert "<em>whole</em>" in full.article.body_html
