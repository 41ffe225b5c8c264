"""The journeys people take through Folio, in a real browser."""

from __future__ import annotations

import re
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from folio.accounts import rules as accounts
from folio.articles import rules as articles
from folio.extensions import db
from folio.models import Role
from tests.e2e.conftest import DESKTOP, PHONE, LiveServer

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-e2e-secret"
_names = count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


def make_user(server: LiveServer, username: str, role: Role = Role.AUTHOR) -> Any:
    return server.run(
        lambda: accounts.register(
            db.session(),
            username=username,
            email=f"{username}@example.com",
            password=PASSWORD,
            role=role,
        )
    )


def make_article(server: LiveServer, username: str, title: str, **fields: Any) -> str:
    def work() -> str:
        author = accounts.find_user_by_username(db.session(), username)
        assert author is not None
        article = articles.create_article(
            db.session(),
            author,
            title=title,
            description=fields.get("description", f"About {title.lower()}"),
            body=fields.get("body", f"# {title}\n\nA paragraph about {title}."),
            tags=fields.get("tags", []),
            publish=True,
        )
        return article.slug

    return str(server.run(work))


def register(page: Any, username: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Welcome to Folio, {username}!")).to_be_visible()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def assert_clean(page: Any) -> None:
    watch = page.folio_watch
    assert watch.problems == [], watch.problems


def test_a_writer_registers_drafts_previews_and_publishes(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    page = new_page()
    name = unique("writer")
    register(page, name)
    page.get_by_role("link", name="Write", exact=True).click()
    title = f"Notes on tending a {name} garden"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(
        "## Soil first\n\nGood soil is *alive*.\n\n```python\ndef water(plant):\n"
        "    return plant.soak(minutes=10)\n```\n"
    )
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Soil first")).to_be_visible()
    expect(preview.locator("pre.highlight .hl-k").first).to_have_text("def")
    page.screenshot(path=str(screenshot_dir / "editor-desktop.png"), full_page=True)

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("link", name=title)).to_have_count(0)

    page.goto("/me/articles?show=drafts")
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Description can't be blank")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(title)
    page.get_by_label("Description").fill("What a patient gardener learns in a year.")
    page.get_by_label("Tags").fill("Gardening, soil")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your article is published.")).to_be_visible()

    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    assert_clean(page)


def test_a_reader_finds_follows_favorites_comments_and_the_author_moderates(
    new_page: Any, live_server: LiveServer
) -> None:
    author = unique("author")
    make_user(live_server, author)
    word = unique("marigold")
    title = f"Why {word} beds bloom"
    make_article(live_server, author, title, tags=[word])

    reader = new_page()
    register(reader, unique("reader"))
    # Found by search, from the header's search box.
    reader.get_by_label("Search articles").fill(word)
    reader.get_by_label("Search articles").press("Enter")
    expect(reader.get_by_text("1 result for")).to_be_visible()
    expect(reader.locator("#search-q")).to_have_value(word)
    # And by tag.
    reader.get_by_role("link", name=word, exact=True).first.click()
    expect(reader.get_by_role("heading", name=f"#{word}")).to_be_visible()
    reader.get_by_role("link", name=title).click()
    expect(reader.locator("#article-title")).to_have_text(title)

    # Follow and favorite without a reload (fetch with the CSRF header).
    follow = reader.locator(".article-actions .follow-button")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(follow).to_contain_text("Following")
    favorite = reader.locator(".article-actions .fav-button")
    favorite.click()
    expect(favorite).to_have_attribute("aria-pressed", "true")
    expect(favorite.locator(".fav-count")).to_have_text("1")
    reader.reload()
    expect(reader.locator(".article-actions .fav-button .fav-count")).to_have_text("1")

    reader.get_by_label("Comment", exact=True).fill("Lovely piece, thank you.")
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.get_by_text("Your comment is posted.")).to_be_visible()
    expect(reader.locator(".comment-body")).to_have_text("Lovely piece, thank you.")

    # The author's next article shows up in the reader's feed.
    next_title = f"More about {word}"
    make_article(live_server, author, next_title)
    reader.get_by_role("link", name="Feed", exact=True).click()
    expect(reader.get_by_role("link", name=next_title)).to_be_visible()
    assert_clean(reader)

    # The author deletes the comment (after a confirmation).
    writer = new_page(accept_dialogs=True)
    sign_in(writer, author)
    writer.goto("/")
    writer.get_by_role("link", name=title).click()
    expect(writer.locator("#article-title")).to_have_text(title)
    # The confirmation is folio.js's: a click before the page has run it would submit
    # the form plainly (the no-script path), with no question asked.
    writer.wait_for_load_state("load")
    writer.locator(".comment-delete button").click()
    expect(writer.get_by_text("The comment was deleted.")).to_be_visible()
    expect(writer.locator(".comment")).to_have_count(0)
    assert writer.folio_watch.dialogs == ["confirm: Delete this comment?"]
    assert_clean(writer)


def test_password_reset_from_the_email_link(new_page: Any, live_server: LiveServer) -> None:
    name = unique("forgetful")
    make_user(live_server, name)
    page = new_page()
    page.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(f"{name}@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_text("a link to reset its password is on its way")).to_be_visible()

    mail = [m for m in live_server.outbox() if m.to == f"{name}@example.com"][-1]
    # The link is absolute; follow its path on this server.
    link = re.search(r"https?://\S+?(/auth/reset/\S+)", mail.body)
    assert link is not None
    page.goto(link.group(1))
    page.get_by_label("New password", exact=True).fill("freshly-chosen-secret")
    page.get_by_label("Repeat new password").fill("freshly-chosen-secret")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()
    sign_in(page, name, "freshly-chosen-secret")
    assert_clean(page)

    # The link worked once; now it is dead (a 400 page).
    page.goto(link.group(1))
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()


def test_script_in_an_article_and_a_comment_shows_as_text(
    new_page: Any, live_server: LiveServer
) -> None:
    page = new_page()
    register(page, unique("mallory"))
    page.goto("/articles/new")
    title = "<img src=x onerror=alert('title')>"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("<script>alert('description')</script>")
    page.get_by_label("Body").fill(
        "<script>alert('body')</script>\n\n<img src=x onerror=alert('img')>\n\n"
        "[click me](javascript:alert('link'))\n"
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_contain_text("<script>alert('body')</script>")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#article-title")).to_have_text(title)
    expect(page.locator(".prose")).to_contain_text("<script>alert('body')</script>")
    expect(page.locator(".prose script")).to_have_count(0)
    expect(page.locator(".prose img")).to_have_count(0)
    expect(page.locator(".prose a[href^='javascript']")).to_have_count(0)

    page.get_by_label("Comment", exact=True).fill("<script>alert('comment')</script><b>bold?</b>")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body")).to_have_text(
        "<script>alert('comment')</script><b>bold?</b>"
    )
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.wait_for_timeout(300)
    assert page.folio_watch.dialogs == []
    assert_clean(page)


def test_key_pages_at_desktop_and_phone_width(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    author = unique("showcase")
    make_user(live_server, author, Role.ADMIN)
    live_server.run(
        lambda: accounts.update_profile(
            db.session(),
            accounts.find_user_by_username(db.session(), author),  # type: ignore[arg-type]
            {"display_name": "Rosalind Fairweather", "bio": "Writes about soil and software."},
        )
    )
    slug = make_article(
        live_server,
        author,
        "A field guide to small, careful software",
        description="Notes on building things that last, from a garden and a terminal.",
        body=(
            "Small programs, like small gardens, reward attention.\n\n"
            "## Start with the soil\n\nA test suite is the soil: everything grows from it.\n\n"
            "> Water deeply, but not often.\n\n"
            "```python\ndef harvest(beds):\n    return [b for b in beds if b.ready]\n```\n\n"
            "- Plant one thing\n- Watch it grow\n- Write it down\n"
        ),
        tags=["software", "gardening", "craft"],
    )
    pages = {
        "home": "/",
        "article": f"/articles/{slug}",
        "profile": f"/@{author}",
        "search": "/search?q=careful",
        "register": "/auth/register",
        "notfound": "/no/such/page",
    }
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        for name, url in pages.items():
            page.goto(url)
            page.screenshot(path=str(screenshot_dir / f"{name}-{width_name}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{url} scrolls sideways at {width_name} width"
        sign_in(page, author)
        # Signed in as an admin, the fullest menu: "Sign out" is still on screen.
        sign_out = page.get_by_role("button", name="Sign out").bounding_box()
        assert sign_out["x"] + sign_out["width"] <= viewport["width"]
        signed_in_pages = (
            ("editor-empty", "/articles/new"),
            ("settings", "/settings"),
            ("my-media", "/me/media"),
            ("admin-users", "/admin"),
            ("admin-articles", "/admin/articles"),
        )
        for name, url in signed_in_pages:
            page.goto(url)
            page.screenshot(path=str(screenshot_dir / f"{name}-{width_name}.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{url} scrolls sideways at {width_name} width"
        assert_clean(page)
