"""Readers' browsers count views through the beacon; the writer's dashboard shows them
(a screenshot at desktop and phone width, every page checked by axe-core)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_journeys import assert_clean, make_article, make_user, sign_in, unique

pytestmark = pytest.mark.e2e

# Headless Chromium names itself a bot ("HeadlessChrome"): the readers here say they are
# ordinary browsers, each its own, so each is a visitor.
READERS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/131.0.0.{n} Safari/537.36"
    for n in range(3)
]


def read(browser: Any, server: LiveServer, slug: str, agent: str, referrer: str = "") -> None:
    """A reader opens the article (coming from ``referrer``) and its beacon is answered."""
    context = browser.new_context(viewport=DESKTOP, base_url=server.url, user_agent=agent)
    try:
        page = context.new_page()
        with page.expect_response(lambda r: "/stats/views/" in r.url) as answer:
            page.goto(f"/articles/{slug}", referer=referrer or None)
        assert answer.value.status == 204
        # Sent by navigator.sendBeacon (the fetch fallback sends application/json).
        assert answer.value.request.headers["content-type"].startswith("text/plain")
        assert context.cookies() == []  # counting set no cookie
    finally:
        context.close()


def test_the_dashboard_shows_the_views_of_a_scripted_set_of_visits(
    browser: Any, new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    name = unique("statswriter")
    make_user(live_server, name)
    essay = make_article(live_server, name, f"A counted essay {name}")
    notes = make_article(live_server, name, f"Counted notes {name}")
    read(browser, live_server, essay, READERS[0], "https://news.example.org/front?page=2")
    read(browser, live_server, essay, READERS[0], "https://news.example.org/front")
    read(browser, live_server, essay, READERS[1], "https://www.social.example/@someone")
    read(browser, live_server, essay, READERS[2])
    read(browser, live_server, notes, READERS[1])

    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        sign_in(page, name)
        page.goto("/me/stats?days=7")
        figures = page.locator(".stats-figures")
        expect(figures.locator(".stats-figure").nth(0)).to_contain_text("Views5")
        expect(figures.locator(".stats-figure").nth(1)).to_contain_text("Unique visitors4")
        chart = page.get_by_role("img", name=re.compile("Views per day, your articles"))
        expect(chart).to_be_visible()
        top = page.get_by_role("table", name=re.compile("Most viewed articles"))
        expect(top.get_by_role("rowheader")).to_have_text(
            [f"A counted essay {name}", f"Counted notes {name}"]
        )
        expect(top.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(["4", "3"])
        sites = page.get_by_role("table", name=re.compile("Where readers came from"))
        expect(sites.get_by_role("rowheader")).to_have_text(
            ["Direct or from this site", "news.example.org", "social.example"]
        )
        expect(sites.get_by_role("cell")).to_have_text(["2", "2", "1"])
        page.get_by_text("The numbers, day by day").click()
        days = page.get_by_role("table", name=re.compile("Views and unique visitors per day"))
        expect(days.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(["5", "4"])
        page.screenshot(path=str(screenshot_dir / f"stats-{width_name}.png"), full_page=True)
        # Nothing sticks out of a phone's screen.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        assert_clean(page)
