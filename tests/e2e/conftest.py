"""Browser tests: Playwright driving Debian's Chromium against a live Folio server.

The server runs in a background thread on a temporary SQLite file built by the
migrations (not the per-test rollback fixture: the browser and the server are different
threads), with CSRF on and rate limits off. Tests read the server's outbox for emails.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from folio import create_app
from folio.extensions import db

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in the server app's context and commit (test set-up)."""
        with self.app.app_context():
            result = work()
            db.session.commit()
            return result

    def outbox(self) -> list[Any]:
        from folio.mail import outbox

        with self.app.app_context():
            return list(outbox())


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("e2e") / "folio-e2e.db"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "MEDIA_ROOT": str(path.parent / "media"),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
        },
    )
    migrations = str(Path(__file__).resolve().parents[2] / "migrations")
    with app.app_context():
        upgrade(directory=migrations)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("FOLIO_REQUIRE_E2E") == "1":
            pytest.fail(f"FOLIO_REQUIRE_E2E=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(reason=f"{CHROMIUM} is missing: apt-get install -y chromium for browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that it should not: dialogs, CSP violations, script errors."""

    dialogs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def make(
        viewport: dict[str, int] | None = None,
        *,
        accept_dialogs: bool = False,
        scale: float = 1,
        javascript: bool = True,
    ) -> Any:
        # ``scale``: the screen's pixel density (a phone's is 3); ``javascript``: off for
        # the pages' no-script paths.
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=live_server.url,
            device_scale_factor=scale,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        page.folio_watch = watch

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            if accept_dialogs:
                dialog.accept()
            else:
                dialog.dismiss()

        def on_console(message: Any) -> None:
            # 4xx answers (a form with errors, a 404 page) are logged too; they are not faults.
            answered_4xx = re.search(r"responded with a status of 4\d\d", message.text)
            if message.type == "error" and not answered_4xx:
                watch.problems.append(message.text)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda error: watch.problems.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: FOLIO_SCREENSHOT_DIR, or a temporary folder."""
    configured = os.environ.get("FOLIO_SCREENSHOT_DIR")
    target = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target
