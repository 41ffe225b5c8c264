"""Importing from the page in a real browser: upload, dry run, run, progress, report, and
the imported article."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from folio.extensions import db
from folio.imports.models import ImportRun
from folio.imports.report import Report
from tests.e2e.conftest import LiveServer
from tests.e2e.test_journeys import assert_clean, make_user, sign_in, unique
from tests.imports.conftest import export_file

pytestmark = pytest.mark.e2e


def _set_run(server: LiveServer, run_id: int, **values: Any) -> None:
    def change() -> None:
        run = db.session.get(ImportRun, run_id)
        for name, value in values.items():
            setattr(run, name, value)

    server.run(change)


def test_a_writer_imports_a_wordpress_export_from_the_page(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path, tmp_path: Path
) -> None:
    live_server.app.config["IMPORT_ROOT"] = str(tmp_path / "imports")
    name = unique("importer")
    make_user(live_server, name)
    export = export_file("wordpress.xml").replace(b"tomato-season", f"tomato-{name}".encode())
    page = new_page()
    sign_in(page, name)
    page.goto("/settings")
    page.get_by_role("link", name="import an export file").click()
    expect(page.get_by_role("heading", name="Import your writing")).to_be_visible()
    page.get_by_label("Export file").set_input_files(
        {"name": "press.xml", "mimeType": "text/xml", "buffer": export}
    )
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Dry run: press.xml")).to_be_visible()
    expect(page.get_by_text("4 to create, 0 skipped, 0 will fail.")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile("Tomato season will be created"))
    ).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "import-dry-run.png"), full_page=True)
    page.get_by_role("button", name="Run import").click()

    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(page.get_by_text("4 created, 0 skipped, 0 failed.")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "import-report.png"), full_page=True)
    page.get_by_role("link", name="Tomato season").click()
    expect(page.get_by_role("heading", name="Tomato season", level=1)).to_be_visible()
    expect(page.get_by_text("The first tomatoes are in.")).to_be_visible()
    expect(page.get_by_text("Mine are still green!")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "import-article.png"), full_page=True)
    assert_clean(page)


def test_the_run_page_follows_the_progress_until_the_report(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path, tmp_path: Path
) -> None:
    live_server.app.config["IMPORT_ROOT"] = str(tmp_path / "imports")
    name = unique("follower")
    make_user(live_server, name)
    page = new_page()
    sign_in(page, name)
    page.goto("/settings/import")
    page.get_by_label("Export file").set_input_files(
        {"name": "again.xml", "mimeType": "text/xml", "buffer": export_file("wordpress.xml")}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Dry run: again.xml")).to_be_visible()
    run_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    # As a worker would leave it half-way through.
    _set_run(live_server, run_id, status="running", done=2, total=4)
    page.reload()
    progress = page.get_by_role("progressbar")
    expect(progress).to_have_attribute("value", "2")
    counter = page.locator(".import-progress-text")
    expect(counter).to_have_text("2 of 4")
    page.screenshot(path=str(screenshot_dir / "import-progress.png"), full_page=True)

    _set_run(live_server, run_id, done=3)
    expect(counter).to_have_text("3 of 4")  # polled, no reload by hand
    expect(progress).to_have_attribute("value", "3")
    report = Report("wordpress", dry_run=False).to_json()
    _set_run(live_server, run_id, status="done", done=4, report=report)
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    assert_clean(page)
