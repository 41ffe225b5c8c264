"""Browser tests: Playwright driving Debian's Chromium against a live Folio server.

The server runs in a background thread on a temporary SQLite file built by the
migrations (not the per-test rollback fixture: the browser and the server are different
threads), with CSRF on and rate limits off. Tests read the server's outbox for emails.

Every page a test visits is checked by axe-core (the npm package, tests/e2e/node_modules):
just before the browser leaves a page (its next navigation request is held until then)
and, for the pages still open, when the test ends. Any violation fails the test.
"""

from __future__ import annotations

import json
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
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# Every WCAG 2.0/2.1/2.2 A and AA rule and axe's best practices; no rule is disabled.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
# Injected into every document before its own scripts: once the page is parsed and its
# stylesheets are in, axe checks it and reports to the test (two bindings below). A tab
# that navigates away first is held until the report is in (AxeAudit.on_route).
AXE_RUNNER_TEMPLATE = """
(() => {
    if (window.top !== window) return;
    const doc = Math.random().toString(36).slice(2);
    const styled = () => Promise.all(
        Array.from(document.querySelectorAll("link[rel=stylesheet]"))
            .filter((link) => !link.sheet)
            .map((link) => new Promise((done) => {
                link.addEventListener("load", done);
                link.addEventListener("error", done);
            }))
    );
    const check = async () => {
        if (document.contentType !== "text/html") return;
        window.__folioAxeStarted(doc);
        try {
            await styled();
            // After the page's own DOMContentLoaded handlers (its script enhances it).
            await new Promise((done) => setTimeout(done, 0));
            const results = await axe.run(document, %s);
            const found = results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary),
            }));
            window.__folioAxeReport(doc, location.href, found, null);
        } catch (error) {
            window.__folioAxeReport(doc, location.href, [], String(error));
        }
    };
    document.addEventListener("DOMContentLoaded", check, { once: true });
})();
"""
AXE_WAIT_SECONDS = 15


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in the server app's context and commit (test set-up).

        As a writing request does, so that on SQLite it takes the write lock when it
        begins: a deferred read-then-write would fail at once ("database is locked") when
        the browser's autosave writes at the same moment."""
        with self.app.test_request_context(method="POST"):
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


def _missing(what: str, install: str) -> None:
    if os.environ.get("FOLIO_REQUIRE_E2E") == "1":
        pytest.fail(f"FOLIO_REQUIRE_E2E=1 but {what} is missing ({install})")
    pytest.skip(reason=f"{what} is missing: {install} for browser tests")


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _missing(str(AXE), "npm ci --prefix tests/e2e")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser(axe_source: str) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _missing(CHROMIUM, "apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: an autosave waits 3 s for typing to stop,
    # then its request, which a busy two-core machine can stretch past the default 5 s.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@dataclass
class AxeAudit:
    """axe-core's findings on the pages one test visited."""

    base_url: str
    violations: list[str] = field(default_factory=list)
    # Every address checked, in order (a sweep asserts its pages are among them).
    checked: list[str] = field(default_factory=list)
    # The document each tab is checking now (a random id the runner made).
    checking: dict[Any, str] = field(default_factory=dict)

    def started(self, source: dict[str, Any], doc: str) -> None:
        self.checking[source["page"]] = doc

    def report(
        self, source: dict[str, Any], doc: str, url: str, found: list[Any], error: str | None
    ) -> None:
        if self.checking.get(source["page"]) == doc:
            del self.checking[source["page"]]
        path = url[len(self.base_url) :] or "/" if url.startswith(self.base_url) else url
        self.checked.append(path)
        if error:
            self.violations.append(f"{path}: axe-core could not run: {error}")
        for violation in found:
            nodes = "\n      ".join(" ".join(node.split()) for node in violation["nodes"])
            self.violations.append(
                f"{path}: {violation['id']} ({violation['impact']}): {violation['help']}\n"
                f"      {nodes}"
            )

    def wait(self, page: Any) -> None:
        """Until the tab's current check has reported (it runs in the page, on its own)."""
        waited = 0.0
        while page in self.checking and not page.is_closed():
            if waited >= AXE_WAIT_SECONDS:
                self.violations.append(f"{page.url}: axe-core did not finish in time")
                del self.checking[page]
                return
            page.wait_for_timeout(25)
            waited += 0.025

    def watch(self, context: Any, axe_source: str) -> None:
        """Check every page the browser context opens."""
        context.expose_binding("__folioAxeStarted", self.started)
        context.expose_binding("__folioAxeReport", self.report)
        context.add_init_script(axe_source + AXE_RUNNER_TEMPLATE % json.dumps(AXE_OPTIONS))
        context.route(_routed, self.on_route)

    def on_route(self, route: Any) -> None:
        """A tab about to leave its page waits for that page's check first (the page
        stays alive, and its scripts run, while the request is held)."""
        request = route.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.wait(request.frame.page)
        route.fallback()


def _routed(url: str) -> bool:
    # Only requests that may be navigations go through Python (pictures and CSS need not).
    return "/static/" not in url and "/media/" not in url


@dataclass
class Watch:
    """What a page did that it should not: dialogs, CSP violations, script errors."""

    dialogs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(
    browser: Any, live_server: LiveServer, axe_source: str
) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []
    audit = AxeAudit(live_server.url)

    def make(
        viewport: dict[str, int] | None = None,
        *,
        accept_dialogs: bool = False,
        scale: float = 1,
        javascript: bool = True,
        color_scheme: str = "light",
        locale: str = "en-US",
    ) -> Any:
        # ``scale``: the screen's pixel density (a phone's is 3); ``javascript``: off for
        # the pages' no-script paths; ``color_scheme``: "dark" for the dark palette;
        # ``locale``: the browser's language (its Accept-Language and navigator.language).
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=live_server.url,
            device_scale_factor=scale,
            java_script_enabled=javascript,
            color_scheme=color_scheme,
            locale=locale,
        )
        context.set_default_timeout(10_000)
        audit.watch(context, axe_source)
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        page.folio_watch = watch
        page.folio_axe = audit

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
        for page in context.pages:
            audit.wait(page)
        context.close()
    if audit.violations:
        pytest.fail("axe-core found accessibility violations:\n" + "\n".join(audit.violations))


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: FOLIO_SCREENSHOT_DIR, or a temporary folder."""
    configured = os.environ.get("FOLIO_SCREENSHOT_DIR")
    target = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target
