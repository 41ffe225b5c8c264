"""The newsletter in Chromium, through a real SMTP server: a reader subscribes at the end
of an article, confirms from the mail the server caught, gets the writer's next article
and unsubscribes in one click (RFC 8058, as a mail client does it).

This server mails over SMTP (aiosmtpd in this process) instead of into an outbox, and its
``PUBLIC_URL`` is its own address, so the links in the mails lead back to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from folio import create_app
from folio.accounts import rules as accounts
from folio.articles import rules as articles
from folio.extensions import db
from folio.models import Subscriber
from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_images import full_screenshot, no_sideways_scroll
from tests.e2e.test_journeys import PASSWORD, assert_clean
from tests.newsletter.smtp import SmtpServer, html_part, link

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mailing_server(
    tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer
) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("e2e-newsletter") / "folio.db"
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "MEDIA_ROOT": str(path.parent / "media"),
            "WTF_CSRF_ENABLED": True,
            "RATELIMIT_ENABLED": False,
            **smtp.settings(),
        },
    )
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[2] / "migrations"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url)
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def _writer_with_an_article(server: LiveServer) -> str:
    def work() -> str:
        session = db.session()
        ada = accounts.register(session, username="ada", email="ada@example.com", password=PASSWORD)
        ada.display_name = "Ada Lovelace"
        article = articles.create_article(
            session,
            ada,
            title="On the analytical engine",
            description="What the engine might do beyond numbers.",
            body="The engine *weaves* algebraic patterns.\n\n## Notes\n\nMore to come.",
            publish=True,
        )
        return article.slug

    return str(server.run(work))


def _sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/auth/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _subscribers(server: LiveServer) -> list[str]:
    with server.app.app_context():
        return list(db.session.scalars(select(Subscriber.email)))


def test_subscribe_confirm_receive_and_unsubscribe_in_one_click(
    new_page: Any, browser: Any, mailing_server: LiveServer, smtp: SmtpServer, screenshot_dir: Path
) -> None:
    base, inbox = mailing_server.url, smtp.inbox
    slug = _writer_with_an_article(mailing_server)

    # The home page offers the whole site's list.
    visitor = new_page(DESKTOP)
    visitor.goto(f"{base}/")
    expect(visitor.get_by_role("region", name="Get new articles by email")).to_be_visible()
    full_screenshot(visitor, screenshot_dir / "newsletter-home-desktop.png")

    # A reader at the end of the article: an address, nothing else.
    reader = new_page(PHONE)
    reader.goto(f"{base}/articles/{slug}")
    form = reader.get_by_role("region", name="Get Ada Lovelace’s new articles by email")
    form.scroll_into_view_if_needed()
    no_sideways_scroll(reader)
    form.screenshot(path=str(screenshot_dir / "newsletter-subscribe-phone.png"))
    form.get_by_label("Email address").fill("reader@example.com")
    form.get_by_role("button", name="Subscribe").click()
    expect(reader.get_by_role("status")).to_contain_text("a confirmation link is on its way")
    assert _subscribers(mailing_server) == []

    # The confirmation, from the mail the SMTP server caught.
    (confirmation,) = inbox.wait_for("reader@example.com")
    reader.goto(base + link(confirmation, "/newsletter/confirm/"))
    reader.get_by_role("button", name="Confirm subscription").click()
    expect(reader.get_by_role("heading", name="You are subscribed")).to_be_visible()
    full_screenshot(reader, screenshot_dir / "newsletter-confirmed-phone.png")
    assert _subscribers(mailing_server) == ["reader@example.com"]

    # The writer publishes the next article from the editor ("also send by email" is on).
    writer = new_page(DESKTOP)
    _sign_in(writer, base)
    writer.goto(f"{base}/articles/new")
    writer.get_by_label("Title").fill("The engine and music")
    writer.get_by_label("Description").fill("Could it compose?")
    writer.get_by_label("Body", exact=True).fill("It might compose elaborate pieces of music.")
    expect(
        writer.get_by_label("Also send by email to my subscribers when published")
    ).to_be_checked()
    writer.get_by_role("button", name="Publish", exact=True).click()
    expect(writer.get_by_text("Your article is published.")).to_be_visible()
    writer.goto(f"{base}/newsletter/subscribers")
    expect(writer.get_by_role("cell", name="reader@example.com", exact=True)).to_be_visible()
    full_screenshot(writer, screenshot_dir / "newsletter-subscribers-desktop.png")
    writer.set_viewport_size(PHONE)
    no_sideways_scroll(writer)
    full_screenshot(writer, screenshot_dir / "newsletter-subscribers-phone.png")
    assert_clean(writer)

    article_mail = inbox.wait_for("reader@example.com", 2)[1]
    assert "The engine and music" in article_mail["Subject"]
    assert article_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    _look_at_the_mail(browser, html_part(article_mail), screenshot_dir)

    # One click in the mail client: a POST to the header's link, no cookie, no page.
    target = article_mail["List-Unsubscribe"].strip("<>")
    client = browser.new_context()
    answer = client.request.post(target, form={"List-Unsubscribe": "One-Click"})
    assert answer.status == 200
    client.close()
    assert _subscribers(mailing_server) == []

    # The next article reaches nobody who left.
    mailing_server.run(
        lambda: articles.create_article(
            db.session(),
            accounts.find_user_by_username(db.session(), "ada"),
            title="A third piece",
            description="d",
            body="b",
            publish=True,
        )
    )
    assert len(inbox.to("reader@example.com")) == 2
    assert_clean(reader)


def _look_at_the_mail(browser: Any, html: str, screenshot_dir: Path) -> None:
    """The article mail as a mail client shows it, at desktop and phone width."""
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.set_content(html)
        expect(page.get_by_role("heading", name="The engine and music")).to_be_visible()
        page.screenshot(path=str(screenshot_dir / f"newsletter-mail-{name}.png"), full_page=True)
        context.close()
