"""Folio in German and Spanish, in a real browser: a German browser gets German pages, the
footer's switcher turns them Spanish for an anonymous reader, and a writer's own setting
wins over both. Home, an article, the editor and the settings are photographed in each
language at desktop and phone width (and checked by axe-core, as every page is)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_journeys import PASSWORD, assert_clean, make_article, make_user, unique

pytestmark = pytest.mark.e2e


def _shot(page: Any, screenshot_dir: Path, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways"


def _reads(page: Any, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _sign_in_in_spanish(page: Any, username: str) -> None:
    page.goto("/auth/login")
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    page.get_by_label("Correo").fill(f"{username}@example.com")
    page.get_by_label("Contraseña", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_attached()


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_german_reader_a_spanish_switch_and_a_writer_who_chooses(
    new_page: Any,
    live_server: LiveServer,
    screenshot_dir: Path,
    width: str,
    viewport: dict[str, int],
) -> None:
    writer = unique("zofia")
    make_user(live_server, writer)
    slug = make_article(
        live_server,
        writer,
        f"Zugspitze 2964 {writer}",
        description="Gipfelbuch",
        body="## Gipfel\n\nHoch oben, kalt und klar.",
        tags=["alpen"],
    )
    page = new_page(viewport, locale="de-DE")

    # The browser says German: the pages are German.
    page.goto("/")
    _reads(page, "de")
    expect(page.get_by_role("navigation").get_by_role("link", name="Anmelden")).to_be_attached()
    _shot(page, screenshot_dir, f"lang-home-de-{width}")
    page.goto(f"/articles/{slug}")
    _reads(page, "de")
    expect(page.get_by_role("heading", name="Kommentare")).to_be_visible()
    _shot(page, screenshot_dir, f"lang-article-de-{width}")

    # The footer's switcher: Spanish for this reader, back on the same page.
    page.get_by_label("Sprache", exact=True).select_option("es")
    page.get_by_role("button", name="Ändern").click()
    expect(page).to_have_url(re.compile(f"/articles/{slug}$"))
    _reads(page, "es")
    expect(page.get_by_role("heading", name="Comentarios")).to_be_visible()
    _shot(page, screenshot_dir, f"lang-article-es-{width}")
    page.goto("/")
    _reads(page, "es")
    _shot(page, screenshot_dir, f"lang-home-es-{width}")

    # Signed in, the editor and the settings are Spanish too.
    _sign_in_in_spanish(page, writer)
    page.goto("/articles/new")
    _reads(page, "es")
    expect(page.get_by_label("Título", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Publicar")).to_be_visible()
    _shot(page, screenshot_dir, f"lang-editor-es-{width}")
    page.goto("/settings")
    _shot(page, screenshot_dir, f"lang-settings-es-{width}")

    # The writer chooses German for the account: it beats the cookie (still Spanish).
    page.get_by_label("Idioma de la interfaz").select_option("de")
    page.get_by_role("button", name="Guardar idioma").click()
    _reads(page, "de")
    expect(page.get_by_label("Sprache der Oberfläche")).to_have_value("de")
    _shot(page, screenshot_dir, f"lang-settings-de-{width}")
    page.goto("/articles/new")
    expect(page.get_by_label("Titel", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Veröffentlichen")).to_be_visible()
    _shot(page, screenshot_dir, f"lang-editor-de-{width}")
    assert_clean(page)
