"""The writer's desk in a real browser: autosave, the local copy, conflicts, live preview,
shortcuts and the phone's Write / Preview tabs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from folio.extensions import db
from folio.models import Article, PendingEdit
from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_images import full_screenshot, no_sideways_scroll
from tests.e2e.test_journeys import assert_clean, make_article, make_user, sign_in, unique

pytestmark = pytest.mark.e2e

SAVED = re.compile(r"Saved \d{1,2}:\d\d")


def stored(server: LiveServer, slug: str) -> dict[str, Any]:
    """What the server holds: the article readers see and its pending edit, if any."""

    def work() -> dict[str, Any]:
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert article is not None
        pending = db.session.scalar(select(PendingEdit).where(PendingEdit.article_id == article.id))
        return {"body": article.body, "pending": pending.body if pending else None}

    return dict(server.run(work))


def until(probe: Any, attempts: int = 50) -> Any:
    """Poll the server for what a page sent as it closed (no page is left to wait on)."""
    for _ in range(attempts):
        if (value := probe()) is not None:
            return value
        time.sleep(0.1)
    return None


def slug_of(page: Any) -> str:
    match = re.search(r"/articles/([^/]+)/edit$", page.url)
    assert match, page.url
    return match.group(1)


def writer(new_page: Any, live_server: LiveServer, viewport: dict[str, int] = DESKTOP) -> Any:
    name = unique("desk")
    make_user(live_server, name)
    page = new_page(viewport)
    sign_in(page, name)
    page.folio_name = name
    return page


def test_typing_autosaves_previews_live_and_counts_words(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    page = writer(new_page, live_server)
    page.goto("/articles/new")
    page.get_by_label("Title").fill("A garden in winter")
    page.get_by_label("Body").fill("## Frost\n\nThe beds sleep under **straw** and snow.")
    # Nothing pressed: the preview follows the text, and the draft is saved.
    expect(page.locator("#preview").get_by_role("heading", name="Frost")).to_be_visible()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(page).to_have_url(re.compile(r"/articles/a-garden-in-winter[^/]*/edit$"))
    expect(page.locator(".js-words")).to_have_text("9 words")
    expect(page.locator(".js-minutes")).to_have_text("1 min read")
    assert stored(live_server, slug_of(page))["body"].endswith("under **straw** and snow.")
    page.locator("#preview").get_by_text("straw").wait_for()
    full_screenshot(page, screenshot_dir / "desk-editor-desktop.png")
    no_sideways_scroll(page)
    assert_clean(page)


def test_ctrl_s_saves_at_once_and_shortcuts_format(new_page: Any, live_server: LiveServer) -> None:
    page = writer(new_page, live_server)
    slug = make_article(live_server, page.folio_name, f"Shortcuts {unique('s')}", body="Start.")
    # A frozen clock: the 3-second autosave never fires on its own, only Ctrl+S saves.
    page.clock.install()
    page.goto(f"/articles/{slug}/edit")
    body = page.get_by_label("Body")
    body.fill("")
    body.press_sequentially("soil")
    body.press("Control+a")
    body.press("Control+b")
    expect(body).to_have_value("**soil**")
    body.press("End")
    body.press("Enter")
    body.press_sequentially("roots")
    body.press("Shift+Home")
    body.press("Control+Shift+H")
    expect(body).to_have_value("**soil**\n## roots")
    assert stored(live_server, slug)["pending"] is None
    body.press("Control+s")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"Saved .* not published yet"))
    assert stored(live_server, slug) == {"body": "Start.", "pending": "**soil**\n## roots"}
    assert page.folio_watch.dialogs == []
    expect(page.get_by_text("Unpublished changes from")).to_be_visible()
    assert_clean(page)


def test_closing_the_tab_before_the_autosave_keeps_the_text(
    new_page: Any, live_server: LiveServer
) -> None:
    page = writer(new_page, live_server)
    slug = make_article(live_server, page.folio_name, f"Closed {unique('c')}", body="Kept.")
    context = page.context
    page.clock.install()  # the 3-second autosave never comes: only closing saves
    page.goto(f"/articles/{slug}/edit")
    page.get_by_label("Body").fill("Kept.\n\nTyped just before the tab closed.")
    page.close()
    # The save is sent as the page goes (keepalive); it lands a moment later.
    landed = until(lambda: stored(live_server, slug)["pending"])
    assert landed == "Kept.\n\nTyped just before the tab closed."
    again = context.new_page()
    again.goto(f"/articles/{slug}/edit")
    expect(again.get_by_label("Body")).to_have_value("Kept.\n\nTyped just before the tab closed.")
    expect(again.get_by_role("region", name=re.compile("Unsaved text"))).to_be_hidden()


def test_text_typed_while_signed_out_is_offered_back_after_signing_in(
    new_page: Any, live_server: LiveServer
) -> None:
    page = writer(new_page, live_server)
    name = page.folio_name
    slug = make_article(live_server, name, f"Signed out {unique('o')}", body="Kept.")
    context = page.context
    page.goto(f"/articles/{slug}/edit")
    # Signed out in another tab: the editor cannot save, and says where the text is.
    other = context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()
    page.get_by_label("Body").fill("Kept.\n\nA paragraph typed after signing out.")
    expect(page.locator("#save-status")).to_have_text("Signed out — kept on this device")
    page.close()
    assert stored(live_server, slug) == {"body": "Kept.", "pending": None}

    sign_in(other, name)
    other.goto(f"/articles/{slug}/edit")
    banner = other.get_by_role("region", name=re.compile("Unsaved text on this device"))
    expect(banner).to_be_visible()
    expect(other.get_by_label("Body")).to_have_value("Kept.")
    banner.get_by_role("button", name="Restore").click()
    expect(other.get_by_label("Body")).to_have_value(
        "Kept.\n\nA paragraph typed after signing out."
    )
    expect(other.locator("#save-status")).to_have_text(re.compile(r"Saved"))
    assert stored(live_server, slug)["pending"] == "Kept.\n\nA paragraph typed after signing out."
    # Saved: the local copy is gone, the next visit offers nothing.
    other.reload()
    expect(other.get_by_label("Body")).to_have_value(re.compile("typed after signing out"))
    expect(banner).to_be_hidden()


def test_two_pages_on_one_article_show_the_conflict_and_lose_nothing(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    first = writer(new_page, live_server)
    name = first.folio_name
    slug = make_article(live_server, name, f"Two tabs {unique('t')}", body="Shared start.")
    second = new_page(DESKTOP)
    sign_in(second, name)
    first.goto(f"/articles/{slug}/edit")
    second.goto(f"/articles/{slug}/edit")

    first.get_by_label("Body").fill("Shared start.\n\nWritten on the laptop.")
    expect(first.locator("#save-status")).to_have_text(re.compile("Saved"))
    second.get_by_label("Body").fill("Shared start.\n\nWritten on the phone.")
    conflict = second.get_by_role("region", name="This article changed since you opened it")
    expect(conflict).to_be_visible()
    expect(second.get_by_label("Your text")).to_have_value(re.compile("Written on the phone"))
    expect(second.get_by_label("The current text")).to_have_value(
        re.compile("Written on the laptop")
    )
    expect(second.locator("#save-status")).to_have_text(re.compile("Not saved"))
    assert stored(live_server, slug)["pending"] == "Shared start.\n\nWritten on the laptop."
    full_screenshot(second, screenshot_dir / "desk-conflict-desktop.png")

    second.get_by_role("button", name="Keep mine").click()
    expect(second.locator("#save-status")).to_have_text(re.compile("Saved"))
    expect(conflict).to_be_hidden()
    # Readers still see the published text; the phone's version is the pending edit.
    assert stored(live_server, slug) == {
        "body": "Shared start.",
        "pending": "Shared start.\n\nWritten on the phone.",
    }
    # The laptop, writing on, is now the stale one: it is told, and takes the phone's text.
    first.get_by_label("Body").fill("Shared start.\n\nWritten on the laptop, later.")
    expect(first.get_by_role("button", name="Take theirs")).to_be_visible()
    first.get_by_role("button", name="Take theirs").click()
    expect(first.get_by_label("Body")).to_have_value("Shared start.\n\nWritten on the phone.")
    assert_clean(first)
    assert_clean(second)


def test_a_published_article_changes_for_readers_only_on_publish_update(
    new_page: Any, live_server: LiveServer
) -> None:
    page = writer(new_page, live_server)
    title = f"Update {unique('u')}"
    slug = make_article(live_server, page.folio_name, title, body="The first version.")
    page.goto(f"/articles/{slug}/edit")
    page.get_by_label("Body").fill("The second version, better.")
    expect(page.locator("#save-status")).to_have_text(re.compile("not published yet"))
    reader = new_page(DESKTOP)
    reader.goto(f"/articles/{slug}")
    expect(reader.locator(".prose")).to_contain_text("The first version.")

    page.reload()
    expect(page.get_by_label("Body")).to_have_value("The second version, better.")
    note = page.get_by_role("region", name=re.compile("Unpublished changes from"))
    note.get_by_role("button", name="Publish update").click()
    expect(page.get_by_text("Your update is published.")).to_be_visible()
    reader.reload()
    expect(reader.locator(".prose")).to_contain_text("The second version, better.")
    assert stored(live_server, slug) == {"body": "The second version, better.", "pending": None}
    assert_clean(page)


def test_on_a_phone_write_and_preview_are_tabs(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    page = writer(new_page, live_server, PHONE)
    page.goto("/articles/new")
    page.get_by_label("Title").fill("Pocket notes")
    body = page.get_by_label("Body")
    body.fill("# Seeds\n\nSown on the bus home.")
    expect(page.locator("#save-status")).to_have_text(SAVED)
    tabs = page.get_by_role("tablist", name="Editor view")
    expect(tabs).to_be_visible()
    expect(page.locator("#preview")).to_be_hidden()
    full_screenshot(page, screenshot_dir / "desk-editor-phone-write.png")
    tabs.get_by_role("tab", name="Preview").click()
    expect(page.get_by_role("tabpanel").get_by_role("heading", name="Seeds")).to_be_visible()
    expect(body).to_be_hidden()
    full_screenshot(page, screenshot_dir / "desk-editor-phone-preview.png")
    tabs.get_by_role("tab", name="Preview").press("ArrowLeft")
    expect(body).to_be_visible()
    expect(tabs.get_by_role("tab", name="Write")).to_be_focused()
    no_sideways_scroll(page)
    assert_clean(page)


def test_reading_time_follows_the_servers_rule(new_page: Any, live_server: LiveServer) -> None:
    page = writer(new_page, live_server)
    page.clock.install()  # counting needs no server
    page.goto("/articles/new")
    body = page.get_by_label("Body")
    # words = runs of non-spaces; minutes = max(1, round(words / 230)), halves to even.
    for words, shown, minutes in (
        (1, "1 word", 1),
        (575, "575 words", 3),
        (574, "574 words", 2),
        (690, "690 words", 3),
    ):
        body.fill(" ".join(["**soil**"] * words))
        expect(page.locator(".js-words")).to_have_text(shown)
        expect(page.locator(".js-minutes")).to_have_text(f"{minutes} min read")
