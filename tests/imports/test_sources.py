"""Each source format, imported and then read as a reader would: the article pages show
the bodies, tags and dates; old addresses answer 301."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from folio.core.uow import current_session
from folio.imports.runner import read_file, run_import
from folio.models import Article, Comment, ImportedItem, Media, User
from tests.imports.builders import folio_export_zip, jekyll_and_hugo_zip
from tests.imports.conftest import ImageServer, export_file
from tests.media.helpers import Writer
from tests.web.helpers import text


def _import(app: Flask, data: bytes, username: str, *, map_authors: bool = False):
    with app.app_context():
        actor = current_session().scalar(select(User).where(User.username == username))
        report = run_import(read_file(data), actor, map_authors=map_authors, dry_run=False)
        current_session().commit()
    return report


def _article(app: Flask, slug: str) -> SimpleNamespace:
    """The article's columns and tag names, read outside any request."""
    with app.app_context():
        session = current_session()
        article = session.scalar(
            select(Article).where(Article.slug == slug).options(selectinload(Article.tags))
        )
        assert article is not None, f"no article {slug}"
        columns = {c.key: getattr(article, c.key) for c in Article.__table__.columns}
        return SimpleNamespace(
            **columns, tag_names=article.tag_names, is_published=article.is_published
        )


def test_a_jekyll_and_hugo_zip_becomes_articles_with_their_images(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    report = _import(app, jekyll_and_hugo_zip(), writer.username)
    assert report.counts() == {"created": 3, "skipped": 0, "failed": 0}, report.as_text()

    jekyll = _article(app, "first-light")
    assert jekyll.is_published
    assert jekyll.published_at.isoformat().startswith("2018-07-04")
    page = client.get("/articles/first-light")
    assert page.status_code == 200
    assert "Saturn rose at ten." in text(page)
    html = page.get_data(as_text=True)
    assert "/media/images/" in html  # the zip's picture, now the writer's upload
    for tag in ("astronomy", "sky", "night"):
        assert f"/tags/{tag}" in html

    bundle = _article(app, "bundle-trip")
    assert not bundle.is_published
    assert bundle.cover_id is not None
    assert bundle.created_at.isoformat() == "2020-02-03T03:05:06+00:00"
    toml = _article(app, "toml-post")
    assert toml.title == "Toml front matter"
    assert toml.tag_names == ["hugo"]
    with app.app_context():
        assert (
            current_session().scalar(
                select(func.count()).select_from(Media).where(Media.owner_id == writer.id)
            )
            == 2
        )


def test_a_folio_export_comes_back_with_dates_cover_and_comments(
    app: Flask, client: FlaskClient, writer: Writer
) -> None:
    report = _import(app, folio_export_zip(), writer.username)
    assert not report.failed, report.as_text()
    article = _article(app, "round-trip")
    assert article.published_at.isoformat() == "2025-05-05T05:05:05+00:00"
    assert article.created_at.isoformat() == "2025-05-01T01:00:00+00:00"
    assert article.updated_at.isoformat() == "2025-05-06T06:00:00+00:00"
    assert article.cover_id is not None
    assert "/media/images/" in article.body
    assert article.tag_names == ["export", "folio"]
    page = text(client.get("/articles/round-trip"))
    assert "The body, with a picture:" in page
    assert "someone wrote:" in page
    assert "Nice one." in page


def test_a_ghost_export_maps_authors_renders_lexical_and_mobiledoc_and_redirects(
    app: Flask, client: FlaskClient, admin: Writer, image_server: ImageServer, allow_loopback: None
) -> None:
    report = _import(
        app, export_file("ghost-5.json", image_server), admin.username, map_authors=True
    )
    assert report.counts() == {"created": 3, "skipped": 0, "failed": 0}, report.as_text()

    hello = _article(app, "hello-from-ghost")
    assert hello.published_at.isoformat() == "2021-03-02T08:15:00+00:00"
    assert hello.description == "A post written in Ghost."
    assert hello.tag_names == ["travel"]  # "#internal" is Ghost's own
    assert hello.cover_id is not None  # fetched from the (local) remote server
    assert "/ghost-cover.jpg" in image_server.requests
    assert "<script" not in hello.body_html
    assert "onerror" not in hello.body_html
    assert "alert" not in hello.body
    with app.app_context():
        gina = current_session().scalar(select(User).where(User.email == "gina@ghost.example"))
        assert gina is not None
        assert hello.author_id == gina.id
        assert gina.password_hash.startswith("!")  # no usable password: reset it

    lexical = _article(app, "lexical-notes")
    assert not lexical.is_published
    assert "*Lexical*" in lexical.body
    assert "## A heading" in lexical.body
    assert "- first point" in lexical.body
    lines = {line.key: line for line in report.lines}
    assert any("bookmark" in m for m in lines["6650a1b2c3d4e5f600000002"].messages)

    about = _article(app, "about")
    assert "[Ghost](https://ghost.org)" in about.body
    assert "*mobiledoc*" in about.body
    assert any("__GHOST_URL__" in m for m in lines["6650a1b2c3d4e5f600000003"].messages)

    moved = client.get("/hello-from-ghost/")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/articles/hello-from-ghost")
    assert "Ghost wrote" in text(client.get("/articles/hello-from-ghost"))


def test_a_wordpress_export_brings_posts_pages_comments_and_old_permalinks(
    app: Flask, client: FlaskClient, admin: Writer, image_server: ImageServer, allow_loopback: None
) -> None:
    report = _import(
        app, export_file("wordpress.xml", image_server), admin.username, map_authors=True
    )
    # Three articles and one comment (the spam stays out).
    assert report.counts() == {"created": 4, "skipped": 0, "failed": 0}, report.as_text()

    post = _article(app, "tomato-season")
    assert post.published_at.isoformat() == "2019-05-15T07:30:00+00:00"
    assert post.updated_at.isoformat() == "2019-05-20T08:00:00+00:00"
    assert post.tag_names == ["gardening", "tomatoes"]
    assert post.description == "What grows in May."
    assert post.cover_id is not None  # the _thumbnail_id attachment
    assert "script" not in post.body
    assert "onerror" not in post.body_html
    assert "## Watering" in post.body
    page = client.get("/articles/tomato-season")
    assert "The first tomatoes are in." in text(page)
    assert "Rosa Reader wrote:" in text(page)
    assert "Mine are still green!" in text(page)
    assert "Buy now" not in text(page)  # spam stays out

    assert _article(app, "about-the-garden").is_published  # a page, as an article
    draft = _article(app, "unfinished-thoughts")
    assert not draft.is_published

    for old, slug in (
        ("/2019/05/tomato-season/", "tomato-season"),
        ("/2019/05/tomato-season", "tomato-season"),
        ("/?p=123", "tomato-season"),
        ("/?p=150", "unfinished-thoughts"),
        ("/about-the-garden/", "about-the-garden"),
    ):
        moved = client.get(old)
        assert moved.status_code == 301, old
        assert moved.headers["Location"].endswith(f"/articles/{slug}"), old
    assert client.get("/?p=999").status_code == 200  # the home page, as before
    assert client.get("/2019/05/no-such-post/").status_code == 404


def test_running_the_same_file_twice_creates_nothing_twice(app: Flask, writer: Writer) -> None:
    data = export_file("wordpress.xml")
    first = _import(app, data, writer.username)
    with app.app_context():
        counted = [
            current_session().scalar(select(func.count()).select_from(model))
            for model in (Article, Comment, ImportedItem, User)
        ]
    second = _import(app, data, writer.username)
    assert first.counts()["created"] == 4
    assert second.counts() == {"created": 0, "skipped": 4, "failed": 0}
    assert all("skipped: already imported" in line.messages for line in second.lines)
    with app.app_context():
        assert counted == [
            current_session().scalar(select(func.count()).select_from(model))
            for model in (Article, Comment, ImportedItem, User)
        ]


def test_a_slug_taken_by_someone_else_gets_a_suffix_and_the_report_says_so(
    app: Flask, writer: Writer, admin: Writer
) -> None:
    from tests.factories import ArticleFactory

    with app.app_context():
        owner = current_session().get(User, admin.id)
        ArticleFactory(slug="tomato-season", author=owner)
        current_session().commit()
    report = _import(app, export_file("wordpress.xml"), writer.username)
    line = next(line for line in report.lines if line.key == "123")
    assert line.outcome == "created"
    assert line.slug != "tomato-season"
    assert line.slug.startswith("tomato-season-")
    assert any("is taken by another article" in m for m in line.messages)


def test_a_refused_image_fetch_is_a_warning_not_a_failed_import(
    app: Flask, writer: Writer, image_server: ImageServer
) -> None:
    # Loopback addresses are refused outside tests: the cover cannot be fetched.
    app.config["OUTBOUND_ALLOW_PRIVATE_ADDRESSES"] = False
    report = _import(app, export_file("ghost-5.json", image_server), writer.username)
    assert report.counts()["failed"] == 0
    line = next(line for line in report.lines if line.slug == "hello-from-ghost")
    assert any("was not fetched" in message for message in line.messages)
    assert "/ghost-cover.jpg" not in image_server.requests[-1:]
    assert _article(app, "hello-from-ghost").cover_id is None


def test_wordpress_page_ids_redirect_too(app: Flask, client: FlaskClient, writer: Writer) -> None:
    export = export_file("wordpress.xml").replace(
        b"https://press.example/about-the-garden/", b"https://press.example/?page_id=45"
    )
    _import(app, export, writer.username)
    moved = client.get("/?page_id=45")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/articles/about-the-garden")
    assert client.get("/?page_id=nope").status_code == 200
