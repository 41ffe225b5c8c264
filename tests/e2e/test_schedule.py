"""Scheduled publishing and shared drafts, through the pages, in Chromium.

The live server stands for the embedded default: no worker, no beat. Requests publish
what is due (``SCHEDULE_ON_REQUEST``, switched on here), so an article scheduled for the
next minute appears on the home page on time when a reader simply reloads it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_journeys import assert_clean, make_user, sign_in, unique

pytestmark = pytest.mark.e2e

# The browser's zone; the writer has chosen none, so it becomes theirs.
ZONE = "Australia/Adelaide"  # a half-hour offset shows a wrong conversion at once


@pytest.fixture
def publishing_on_request(live_server: LiveServer) -> Iterator[None]:
    config = live_server.app.config
    saved = config["SCHEDULE_ON_REQUEST"], config["SCHEDULE_CHECK_SECONDS"]
    config["SCHEDULE_ON_REQUEST"], config["SCHEDULE_CHECK_SECONDS"] = True, 5.0
    yield
    config["SCHEDULE_ON_REQUEST"], config["SCHEDULE_CHECK_SECONDS"] = saved


def _next_minute_in(zone: str) -> tuple[datetime, str]:
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC)
    moment = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (moment - now).total_seconds() < 20:  # too close to type and send in time
        moment += timedelta(minutes=1)
    return moment, moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def test_an_article_scheduled_for_the_next_minute_appears_on_the_home_page_on_time(
    browser: Any,
    live_server: LiveServer,
    publishing_on_request: None,
    screenshot_dir: Path,
) -> None:
    name = unique("sched")
    make_user(live_server, name)
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, timezone_id=ZONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        sign_in_context(page, name)
        title = f"Right on time {name}"
        page.goto("/articles/new")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Description").fill("Out at the minute")
        page.get_by_label("Body", exact=True).fill("Published by nobody but the clock.")
        # schedule.js names the browser's zone, since the writer chose none.
        expect(page.locator("#schedule .js-zone-name")).to_contain_text(ZONE)
        moment, local = _next_minute_in(ZONE)
        page.get_by_label("Publish on").fill(local)
        page.screenshot(path=str(screenshot_dir / "schedule-editor-desktop.png"), full_page=True)
        page.get_by_role("button", name="Schedule", exact=True).click()
        expect(page.get_by_text("will be published on")).to_be_visible()
        expect(page.locator(".schedule-state")).to_contain_text(local[-5:])

        page.goto("/me/scheduled")
        expect(page.get_by_role("link", name=title)).to_be_visible()
        expect(page.get_by_text(f"Times in {ZONE}")).to_be_visible()
        page.screenshot(path=str(screenshot_dir / "scheduled-desktop.png"), full_page=True)

        reader = browser.new_context(viewport=PHONE, base_url=live_server.url)
        home = reader.new_page()
        home.goto("/")
        expect(home.get_by_text(title)).to_have_count(0)
        deadline = moment + timedelta(seconds=70)
        while datetime.now(UTC) < deadline:
            home.goto("/")
            if home.get_by_text(title).count():
                break
            time.sleep(2)
        seen_at = datetime.now(UTC)
        expect(home.get_by_text(title)).to_be_visible()
        assert seen_at >= moment, "published before its moment"
        # Seen within the check interval and a reload of the moment.
        assert (seen_at - moment).total_seconds() < 20, seen_at - moment
        home.screenshot(path=str(screenshot_dir / "schedule-home-phone.png"), full_page=True)
        reader.close()
        assert problems == []
    finally:
        context.close()


def sign_in_context(page: Any, username: str) -> None:
    from tests.e2e.test_journeys import PASSWORD

    page.goto("/auth/login")
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_draft_link_opens_in_a_fresh_browser_without_an_account_until_revoked(
    browser: Any, new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    name = unique("share")
    make_user(live_server, name)
    page = new_page(DESKTOP)
    sign_in(page, name)
    page.goto("/articles/new")
    title = f"Between us {name}"
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body", exact=True).fill("Not ready for *everyone* yet.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Body", exact=True).fill("Ready for *you* to read.")
    page.get_by_role("button", name="Create a share link").click()
    notice = page.get_by_text("Share link created")
    expect(notice).to_be_visible()
    url = notice.inner_text().split("shown only once): ", 1)[1].split()[0]
    expect(page.get_by_text("Link 1, created")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "share-editor-desktop.png"), full_page=True)

    for viewport, label in ((DESKTOP, "desktop"), (PHONE, "phone")):
        stranger = browser.new_context(viewport=viewport)  # no cookies, no account
        shared = stranger.new_page()
        response = shared.goto(url)
        assert response is not None
        assert response.status == 200
        assert response.headers["x-robots-tag"] == "noindex, nofollow"
        assert response.headers["cache-control"] == "private, no-store"
        expect(shared.get_by_role("heading", name=title)).to_be_visible()
        expect(shared.get_by_text("Draft.", exact=False).first).to_be_visible()
        expect(shared.locator("em", has_text="you")).to_be_visible()  # the saved edit
        expect(shared.get_by_role("button", name="Sign out")).to_have_count(0)
        shared.screenshot(path=str(screenshot_dir / f"shared-draft-{label}.png"), full_page=True)
        stranger.close()

    page.get_by_role("button", name="Revoke link 1").click()
    expect(page.get_by_text("Share link revoked")).to_be_visible()
    stranger = browser.new_context(viewport=PHONE)
    gone = stranger.new_page()
    response = gone.goto(url)
    assert response is not None
    assert response.status == 404
    expect(gone.get_by_role("heading", name="This share link does not work")).to_be_visible()
    gone.screenshot(path=str(screenshot_dir / "shared-draft-revoked-phone.png"), full_page=True)
    stranger.close()
    assert_clean(page)


def test_the_scheduled_page_and_the_time_zone_setting_at_phone_width(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    name = unique("zone")
    make_user(live_server, name)
    page = new_page(PHONE)
    sign_in(page, name)
    page.goto("/settings")
    select = page.get_by_role("combobox", name="Time zone")
    select.select_option("Pacific/Auckland")
    page.get_by_role("button", name="Save time zone").click()
    expect(page.get_by_text("Dates are now shown in Pacific/Auckland")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "settings-time-zone-phone.png"), full_page=True)
    page.goto("/articles/new")
    page.get_by_label("Title").fill(f"Far ahead {name}")
    page.get_by_label("Description").fill("Later")
    page.get_by_label("Body", exact=True).fill("Some words.")
    page.get_by_label("Publish on").fill("2001-01-01T09:00")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#publish_at-error")).to_contain_text("Publish date is in the past")
    expect(page.get_by_label("Body", exact=True)).to_have_value("Some words.")
    page.screenshot(path=str(screenshot_dir / "schedule-error-phone.png"), full_page=True)
    page.goto("/me/scheduled")
    expect(page.get_by_text("Nothing is scheduled")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "scheduled-empty-phone.png"), full_page=True)
    assert_clean(page)
