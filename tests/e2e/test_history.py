"""Revision history in a real browser: edit twice, compare, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_journeys import assert_clean, make_article, make_user, sign_in, unique

pytestmark = pytest.mark.e2e

FIRST = "The Paris sleeper leaves at nine.\n\nBring a book and a warm jumper."


def edit_body(page: Any, slug: str, body: str) -> None:
    page.goto(f"/articles/{slug}/edit")
    page.get_by_label("Body").fill(body)
    page.locator(".editor-actions").get_by_role("button", name="Publish update").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()


def test_a_writer_compares_two_revisions_and_restores_one(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    writer = unique("historian")
    make_user(live_server, writer)
    slug = make_article(live_server, writer, "Night trains", body=FIRST)
    page = new_page(DESKTOP)
    sign_in(page, writer)
    edit_body(page, slug, FIRST.replace("nine", "ten"))
    edit_body(page, slug, FIRST.replace("nine", "ten") + "\n\nThe bar car closes at midnight.")

    page.goto(f"/articles/{slug}/edit")
    page.screenshot(path=str(screenshot_dir / "editor-history-link-desktop.png"))
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Night trains")).to_be_visible()
    rows = page.locator(".history-table tbody tr")
    expect(rows).to_have_count(3)
    page.screenshot(path=str(screenshot_dir / "history-desktop.png"), full_page=True)

    # Compare the first revision with the second: "nine" struck out, "ten" added.
    page.get_by_label("from revision 1").check()
    page.get_by_label("to revision 2").check()
    page.get_by_role("button", name="Compare selected revisions").click()
    body_diff = page.locator(".diff--body")
    expect(body_diff.locator("del", has_text="nine")).to_be_visible()
    expect(body_diff.locator("ins", has_text="ten")).to_be_visible()
    expect(body_diff.locator(".visually-hidden", has_text="removed:").first).to_be_attached()
    page.screenshot(path=str(screenshot_dir / "compare-desktop.png"), full_page=True)

    page.get_by_role("link", name="Restore revision 1…").click()
    page.screenshot(path=str(screenshot_dir / "restore-confirm-desktop.png"))
    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.get_by_text("Revision 1 restored. It is kept as revision 4.")).to_be_visible()
    expect(page.locator(".prose").get_by_text("The Paris sleeper leaves at nine.")).to_be_visible()
    expect(page.get_by_text("The bar car closes at midnight.")).to_have_count(0)

    page.goto(f"/articles/{slug}/history")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Revision 4")
    expect(rows.first).to_contain_text("Restored")
    assert_clean(page)

    phone = new_page(PHONE)
    sign_in(phone, writer)
    phone.goto(f"/articles/{slug}/history")
    phone.screenshot(path=str(screenshot_dir / "history-phone.png"), full_page=True)
    phone.get_by_role("button", name="Compare selected revisions").click()
    expect(phone.locator(".diff--body")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the compare page scrolls sideways on a phone"
    phone.screenshot(path=str(screenshot_dir / "compare-phone.png"), full_page=True)
    phone.get_by_role("link", name="Revision 4").first.click()
    expect(phone.get_by_role("link", name="Restore this revision…")).to_be_visible()
    phone.screenshot(path=str(screenshot_dir / "revision-phone.png"), full_page=True)
    assert_clean(phone)
