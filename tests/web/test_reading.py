"""Reader pages: home, feed, tags, search, article, profiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from folio.models import Follow, User
from folio.web.filters import fulldate, initials, timeago
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.web.helpers import sign_in, text


def test_home_lists_published_articles_with_author_tags_and_favorites(
    client: FlaskClient, session: Session
) -> None:
    author = UserFactory(username="writer", display_name="Wendy Writer")
    ArticleFactory(title="Hello Flask", description="A first look", author=author, tags=["flask"])
    ArticleFactory(title="Secret plans", author=author, draft=True)
    response = client.get("/")
    page = text(response)
    assert response.status_code == 200
    assert "Hello Flask" in page
    assert "A first look" in page
    assert "Wendy Writer" in page
    assert "Secret plans" not in page
    assert 'href="/tags/flask"' in response.get_data(as_text=True)
    assert "<time datetime=" in response.get_data(as_text=True)


def test_home_is_paged_by_keyset_with_an_older_link(
    client: FlaskClient, session: Session, app
) -> None:
    app.config["ARTICLES_PER_PAGE"] = 3
    titles = [ArticleFactory(title=f"Piece {n}").title for n in range(5)]
    first = client.get("/")
    html = first.get_data(as_text=True)
    assert all(t in html for t in titles[2:])
    assert titles[1] not in html
    older = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older)
    page = text(second)
    assert titles[1] in page
    assert titles[0] in page
    assert titles[4] not in page
    assert "Older articles" not in page
    assert "Newest" in page


def test_a_malformed_cursor_shows_the_first_page(client: FlaskClient, session: Session) -> None:
    ArticleFactory(title="Still here")
    response = client.get("/?before=not-a-cursor")
    assert response.status_code == 200
    assert "Still here" in text(response)


def test_home_renders_with_a_fixed_number_of_queries(
    client: FlaskClient, session: Session, count_queries, user: User
) -> None:
    sign_in(client, user)
    authors = UserFactory.create_batch(4)
    for n in range(3):
        ArticleFactory(author=authors[n % 4], tags=["a", "b"])
    with count_queries() as small:
        assert client.get("/").status_code == 200
    for n in range(25):
        ArticleFactory(author=authors[n % 4], tags=["a", f"t{n}"])
        CommentFactory()
    with count_queries() as full:
        response = client.get("/")
    assert response.status_code == 200
    assert text(response).count("ago") >= 20
    assert full.count == small.count


def test_popular_tags_are_listed_on_home(client: FlaskClient, session: Session) -> None:
    ArticleFactory(tags=["gardening"])
    assert 'href="/tags/gardening"' in client.get("/").get_data(as_text=True)


def test_feed_needs_sign_in(client: FlaskClient) -> None:
    response = client.get("/feed")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=/feed")


def test_feed_shows_followed_authors_only(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    followed = UserFactory()
    other = UserFactory()
    session.add(Follow(follower_id=user.id, followee_id=followed.id))
    ArticleFactory(title="From a friend", author=followed)
    ArticleFactory(title="From a stranger", author=other)
    page = text(signed_in.get("/feed"))
    assert "From a friend" in page
    assert "From a stranger" not in page


def test_empty_feed_explains_what_to_do(signed_in: FlaskClient) -> None:
    assert "Follow writers" in text(signed_in.get("/feed"))


def test_tag_page_lists_only_that_tag(client: FlaskClient, session: Session) -> None:
    ArticleFactory(title="About Python", tags=["python"])
    ArticleFactory(title="About Rust", tags=["rust"])
    response = client.get("/tags/python")
    assert response.status_code == 200
    page = text(response)
    assert "About Python" in page
    assert "About Rust" not in page
    assert 'href="/tags/python/atom.xml"' in response.get_data(as_text=True)


def test_tag_page_normalises_the_name(client: FlaskClient) -> None:
    response = client.get("/tags/Python")
    assert response.status_code == 301
    assert response.location == "/tags/python"


def test_unknown_tag_is_an_empty_list(client: FlaskClient) -> None:
    response = client.get("/tags/nothing-here")
    assert response.status_code == 200
    assert "No published articles carry this tag" in text(response)


def test_search_ranks_results_and_keeps_the_query(client: FlaskClient, session: Session) -> None:
    ArticleFactory(title="Gardening for beginners", body="soil and seeds")
    ArticleFactory(title="Cooking", body="a gardening aside")
    ArticleFactory(title="Draft gardening", draft=True)
    response = client.get("/search?q=gardening")
    page = text(response)
    assert response.status_code == 200
    assert "2 results" in page
    assert page.index("Gardening for beginners") < page.index("Cooking")
    assert "Draft gardening" not in page
    assert 'value="gardening"' in response.get_data(as_text=True)


def test_search_says_clearly_when_nothing_matches(client: FlaskClient) -> None:
    response = client.get("/search?q=zzzzqqq")
    assert response.status_code == 200
    assert "No results for “zzzzqqq”" in text(response)


def test_search_without_a_query_shows_the_form(client: FlaskClient) -> None:
    response = client.get("/search")
    assert response.status_code == 200
    assert 'id="search-q"' in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ['"', "*", "AND OR NOT", "a" * 500, "🙂", "'; drop table"])
def test_search_survives_odd_queries(client: FlaskClient, query: str) -> None:
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_article_page_shows_body_author_tags_and_meta(
    client: FlaskClient, session: Session
) -> None:
    author = UserFactory(username="ann", bio="I write about plants.")
    ArticleFactory(
        slug="on-plants",
        title="On plants",
        description="Why leaves matter",
        body="# Leaves\n\n```python\nprint('hi')\n```\n",
        author=author,
        tags=["botany"],
    )
    response = client.get("/articles/on-plants")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Leaves</h1>" in html
    assert '<pre class="highlight">' in html
    assert 'class="hl-' in html
    assert '<meta name="description" content="Why leaves matter">' in html
    assert '<link rel="canonical" href="http://localhost/articles/on-plants">' in html
    assert '<meta property="og:title" content="On plants">' in html
    assert '<meta property="og:type" content="article">' in html
    assert "I write about plants." in text(response)
    assert "Sign in" in text(response)
    assert "to comment" in text(response)


def test_article_body_is_sanitised_html_and_raw_html_shows_as_text(
    client: FlaskClient, session: Session
) -> None:
    ArticleFactory(
        slug="xss", body="<script>alert(1)</script>\n\n**bold** <img src=x onerror=alert(1)>"
    )
    html = client.get("/articles/xss").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x onerror" not in html
    assert '<img src="x"' not in html


def test_comments_are_listed_oldest_first(client: FlaskClient, session: Session) -> None:
    article = ArticleFactory(slug="talk")
    CommentFactory(article=article, body="First!")
    CommentFactory(article=article, body="Second thoughts")
    page = text(client.get("/articles/talk"))
    assert "Comments 2" in page
    assert page.index("First!") < page.index("Second thoughts")


def test_draft_is_404_for_others_and_visible_to_its_author(
    client: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(slug="mine", title="My draft", author=user, draft=True)
    assert client.get("/articles/mine").status_code == 404
    sign_in(client, user)
    response = client.get("/articles/mine")
    assert response.status_code == 200
    assert "Draft." in text(response)


def test_missing_article_is_a_styled_404(client: FlaskClient) -> None:
    response = client.get("/articles/nope")
    assert response.status_code == 404
    assert "We could not find that page" in text(response)
    assert 'href="/static/css/folio.css' in response.get_data(as_text=True)


def test_profile_shows_bio_articles_and_initials(client: FlaskClient, session: Session) -> None:
    author = UserFactory(username="bob", display_name="Bob Builder", bio="Builds things")
    ArticleFactory(title="Bob's article", author=author)
    ArticleFactory(title="Someone else's")
    response = client.get("/@bob")
    page = text(response)
    assert response.status_code == 200
    assert "Bob Builder" in page
    assert "Builds things" in page
    assert "Bob's article" in page
    assert "Someone else's" not in page
    assert ">BB</span>" in response.get_data(as_text=True)


def test_a_picture_url_on_another_site_is_not_loaded_initials_show(
    client: FlaskClient, session: Session
) -> None:
    UserFactory(username="pic", display_name="Pia Ick", image_url="https://images.example/p.png")
    page = client.get("/@pic").get_data(as_text=True)
    assert "images.example" not in page
    assert ">PI</span>" in page


def test_profile_favorites_tab(client: FlaskClient, session: Session) -> None:
    from folio.articles.rules import favorite_article

    fan = UserFactory(username="fan")
    liked = ArticleFactory(title="Liked one")
    ArticleFactory(title="Not liked")
    favorite_article(session, fan, liked)
    page = text(client.get("/@fan/favorites"))
    assert "Liked one" in page
    assert "Not liked" not in page


def test_profile_name_is_case_insensitive_and_redirects(
    client: FlaskClient, session: Session
) -> None:
    UserFactory(username="Carol")
    response = client.get("/@carol")
    assert response.status_code == 301
    assert response.location == "/@Carol"


def test_unknown_and_deactivated_profiles_are_404(client: FlaskClient, session: Session) -> None:
    UserFactory(username="gone", is_active=False)
    assert client.get("/@gone").status_code == 404
    assert client.get("/@nobody").status_code == 404


def test_my_articles_lists_drafts_and_published(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    ArticleFactory(title="Work in progress", author=user, draft=True)
    ArticleFactory(title="Out there", author=user)
    ArticleFactory(title="Not mine")
    page = text(signed_in.get("/me/articles"))
    assert "Work in progress" in page
    assert "Out there" in page
    assert "Not mine" not in page
    drafts = text(signed_in.get("/me/articles?show=drafts"))
    assert "Work in progress" in drafts
    assert "Out there" not in drafts
    published = text(signed_in.get("/me/articles?show=published"))
    assert "Out there" in published
    assert "Work in progress" not in published


def test_my_articles_needs_sign_in(client: FlaskClient) -> None:
    assert client.get("/me/articles").status_code == 302


def test_signed_in_pages_are_not_stored(signed_in: FlaskClient) -> None:
    assert signed_in.get("/").headers["Cache-Control"] == "no-store"


def test_anonymous_pages_without_forms_may_be_revalidated(client: FlaskClient) -> None:
    assert client.get("/").headers["Cache-Control"] == "no-cache"


def test_pages_carry_a_strict_csp_and_no_inline_script(client: FlaskClient, session) -> None:
    ArticleFactory(slug="csp")
    response = client.get("/articles/csp")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    assert "<script>" not in html
    assert " style=" not in html
    assert " onclick=" not in html


def test_timeago_and_fulldate() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert timeago(now - timedelta(seconds=5), now) == "just now"
    assert timeago(now - timedelta(minutes=1), now) == "1 minute ago"
    assert timeago(now - timedelta(hours=3), now) == "3 hours ago"
    assert timeago(now - timedelta(days=1, hours=2), now) == "yesterday"
    assert timeago(now - timedelta(days=9), now) == "1 week ago"
    assert timeago(now - timedelta(days=800), now) == "2 years ago"
    assert timeago(now + timedelta(minutes=5), now) == "just now"
    # English dates as Babel writes them for "en" (German and Spanish: tests/i18n).
    assert fulldate(now) == "May 1, 2026, 12:00\u202fPM UTC"


def test_initials() -> None:
    assert initials(User(username="ada_lovelace")) == "AL"
    assert initials(User(username="x", display_name="Grace Brewster Hopper")) == "GH"
    assert initials(User(username="zed")) == "ZE"


def test_links_follow_the_mount_point_of_each_request(
    client: FlaskClient, session: Session
) -> None:
    article = ArticleFactory(title="Mounted", tags=["ink"])
    plain = client.get("/").get_data(as_text=True)
    assert f'href="/articles/{article.slug}"' in plain
    # The same links, remembered, must not leak into a request under another prefix.
    mounted = client.get("/", environ_overrides={"SCRIPT_NAME": "/blog"}).get_data(as_text=True)
    assert f'href="/blog/articles/{article.slug}"' in mounted
    assert 'href="/blog/tags/ink"' in mounted
    assert f'href="/articles/{article.slug}"' not in mounted
