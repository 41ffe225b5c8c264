"""The editor's script in the page's language (tests/i18n/test_desk.py checks the pages
and the messages block the server writes; this, what the script makes of them)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from folio.accounts import rules as accounts
from folio.extensions import db
from tests.e2e.conftest import LiveServer
from tests.e2e.test_journeys import assert_clean, make_user, sign_in, unique

pytestmark = pytest.mark.e2e


def writer_in(new_page: Any, live_server: LiveServer, locale: str) -> Any:
    """A writer signed in (through the English form), whose account then reads ``locale``."""
    name = unique("pult")
    make_user(live_server, name)
    page = new_page()
    sign_in(page, name)

    def choose() -> None:
        accounts.find_user_by_username(db.session(), name).locale = locale

    live_server.run(choose)
    return page


def test_the_editors_script_speaks_the_pages_language_with_its_plurals_and_numbers(
    new_page: Any, live_server: LiveServer
) -> None:
    page = writer_in(new_page, live_server, "de")
    page.goto("/articles/new")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("Titel", exact=True).fill("Zugspitze 2964")
    body = page.get_by_label("Text", exact=True)
    body.fill("Qwertz")
    expect(page.locator(".js-words")).to_have_text("1 Wort")
    body.fill(" ".join(["Qwertz"] * 1234))
    # German plural, German thousands separator; 1234 / 230 words a minute is 5.
    expect(page.locator(".js-words")).to_have_text("1.234 Wörter")
    expect(page.locator(".js-minutes")).to_have_text("5 Min. Lesezeit")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"Gespeichert um \d{1,2}:\d\d"))
    assert_clean(page)


def test_the_editors_script_speaks_spanish_with_its_plurals(
    new_page: Any, live_server: LiveServer
) -> None:
    page = writer_in(new_page, live_server, "es")
    page.goto("/articles/new")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    body = page.get_by_label("Texto", exact=True)
    body.fill("Qwertz")
    expect(page.locator(".js-words")).to_have_text("1 palabra")
    body.fill("Qwertz Asdfg")
    expect(page.locator(".js-words")).to_have_text("2 palabras")
    expect(page.locator(".js-minutes")).to_have_text("1 min de lectura")
    assert_clean(page)
