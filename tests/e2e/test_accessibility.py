"""Every page, checked by axe-core at desktop and phone width (and in the dark palette).

The checking itself is the e2e conftest's: axe-core runs in every page a browser test
visits and any violation fails the test. This sweep makes sure every page is visited,
public and signed in, with the content that exercises it (a table of contents,
footnotes, a cover, comments, forms with errors). New pages: add their address below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from playwright.sync_api import expect
from sqlalchemy import select

from folio.accounts import rules as accounts
from folio.articles import autosave, draft_links, scheduling
from folio.articles import rules as articles
from folio.articles.revision_models import ArticleRevision
from folio.comments import rules as comments
from folio.extensions import db
from folio.media.models import MediaKind
from folio.media.uploads import public_url, receive
from folio.models import Role
from folio.social import rules as social
from tests.e2e.conftest import DESKTOP, PHONE, AxeAudit, LiveServer
from tests.e2e.test_images import photo
from tests.e2e.test_journeys import make_user, sign_in, unique

pytestmark = pytest.mark.e2e

# Addresses with {placeholders} filled from the Site made below.
PUBLIC_PAGES: tuple[tuple[str, str], ...] = (
    ("home", "/"),
    ("article", "/articles/{slug}"),
    ("profile", "/@{author}"),
    ("profile-favorites", "/@{author}/favorites"),
    ("tag", "/tags/{tag}"),
    ("search-form", "/search"),
    ("search-results", "/search?q={word}"),
    ("search-nothing", "/search?q=qqqzzzxxy"),
    ("login", "/auth/login"),
    ("register", "/auth/register"),
    ("reset-request", "/auth/reset"),
    ("reset-password", "/auth/reset/{reset_token}"),
    ("reset-dead-link", "/auth/reset/not-a-token"),
    ("not-found", "/no/such/page"),
    ("shared-draft", "/d/{draft_token}"),
    ("shared-update", "/d/{update_token}"),
    ("shared-dead-link", "/d/{dead_token}"),
)
# Signed in as the article's author, an administrator.
SIGNED_IN_PAGES: tuple[tuple[str, str], ...] = (
    ("home-signed-in", "/"),
    ("feed", "/feed"),
    ("article-own", "/articles/{slug}"),
    ("draft", "/articles/{draft_slug}"),
    ("editor-new", "/articles/new"),
    ("editor-edit", "/articles/{slug}/edit"),
    ("settings", "/settings"),
    ("my-articles", "/me/articles"),
    ("my-drafts", "/me/articles?show=drafts"),
    ("my-media", "/me/media"),
    ("admin-users", "/admin"),
    ("admin-articles", "/admin/articles"),
    ("delete-confirmation", "/articles/{slug}/delete"),
    ("editor-scheduled", "/articles/{scheduled_slug}/edit"),
    ("scheduled", "/me/scheduled"),
    ("history", "/articles/{slug}/history"),
    ("compare", "/articles/{slug}/history/compare?a={first_revision}&b={last_revision}"),
    ("revision", "/articles/{slug}/history/{first_revision}"),
    ("restore-confirmation", "/articles/{slug}/history/{first_revision}/restore"),
    ("webhooks", "/settings/webhooks"),
    ("webhook", "/settings/webhooks/{webhook_id}"),
    ("admin-webhooks", "/admin/webhooks"),
    ("export", "/settings/export"),
    ("admin-export", "/admin/export"),
    ("import", "/settings/import"),
    ("my-stats", "/me/stats"),
    ("article-stats", "/me/stats/{slug}"),
    ("admin-stats", "/admin/stats?days=90"),
    ("newsletter-subscribers", "/newsletter/subscribers"),
    ("fediverse-feed", "/feed/fediverse"),
    ("fediverse-following", "/federation/following"),
    ("fediverse-deliveries", "/federation/deliveries"),
    ("admin-domain-blocks", "/admin/federation/blocks"),
)
# Not HTML, or not Folio's own markup: feeds, the sitemap, the vendored Swagger UI.
NOT_SWEPT = ("/atom.xml", "/sitemap.xml", "/api/v1/docs")

LONG_BODY = """A season in the beds, start to finish.[^1]

## Start with the soil

Dig in compost before anything else; the worms do the rest.[^2]

## Sow in rows

```python
def sow(row, seeds):
    return [row.plant(seed) for seed in seeds]
```

### Thin the seedlings

- Pull the weakest
- Water the rest

## Harvest

> Pick in the morning, before the sun is high.

[^1]: Notes from three springs.
[^2]: Or a neighbour's, borrowed.
"""


@dataclass(frozen=True)
class Site:
    author: str
    slug: str
    draft_slug: str
    tag: str
    word: str
    reset_token: str
    scheduled_slug: str
    first_revision: int
    last_revision: int
    draft_token: str
    update_token: str
    dead_token: str = "x" * 43
    webhook_id: int = 0

    def url(self, template: str) -> str:
        return template.format(**self.__dict__)


def _fill_site(author: str, reader: str, word: str) -> Site:
    session = db.session()
    writer = accounts.find_user_by_username(session, author)
    other = accounts.find_user_by_username(session, reader)
    assert writer is not None
    assert other is not None
    accounts.update_profile(
        session, writer, {"display_name": "Rosalind Fairweather", "bio": "Soil and software."}
    )
    cover = receive(writer, photo(1600, 900), "beds.jpg", MediaKind.IMAGE)
    article = articles.create_article(
        session,
        writer,
        title=f"A {word} season in the beds",
        description="Compost, rows, thinning and the harvest: a year of small habits.",
        body=LONG_BODY,
        tags=[word, "gardening"],
        publish=True,
        cover_image=public_url(cover.original_key),
    )
    draft = articles.create_article(
        session, writer, title=f"Unfinished {word} notes", description="", body="Later."
    )
    # The reader's article fills the author's feed; both comment.
    articles.create_article(
        session,
        other,
        title=f"A reader's {word} plot",
        description="What grew on a balcony.",
        body="Tomatoes, mostly.",
        tags=[word],
        publish=True,
    )
    social.follow(session, writer, reader)
    articles.favorite_article(session, other, article)
    comments.add_comment(
        session, other, article, "Lovely piece; the thinning tip saved my carrots."
    )
    comments.add_comment(session, writer, article, "Glad it helped!")
    token = accounts.make_password_reset_token(other, current_app.config["SECRET_KEY"])
    desk = _fill_desk(session, writer, article, draft, word)
    hook = _fill_webhook(session, writer)
    return Site(author, article.slug, draft.slug, word, word, token, **desk, webhook_id=hook)


def _fill_webhook(session: Any, writer: Any) -> int:
    """A webhook with a delivery log: one failed attempt (an HTML answer) and a retry."""
    from folio.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint(
        owner_id=writer.id,
        url="https://hooks.example.com/folio",
        description="The build server",
        events=["article.published", "comment.created"],
        secret="whsec_YWNjZXNzaWJpbGl0eS1zd2VlcC1zZWNyZXQtMDAwMDA=",
        scope="own",
    )
    session.add(endpoint)
    session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id="evt-a11y",
        event_type="article.published",
        payload="{}",
        next_attempt_at=datetime.now(UTC) + timedelta(minutes=1),
    )
    delivery.attempts.append(
        WebhookAttempt(status_code=502, latency_ms=312, response_snippet="<h1>Bad gateway</h1>")
    )
    session.add(delivery)
    session.flush()
    return int(endpoint.id)


def _fill_desk(session: Any, writer: Any, article: Any, draft: Any, word: str) -> dict[str, Any]:
    """The writer's desk: a second revision, a pending update, a scheduled draft and
    share links to the draft and to the update."""
    articles.update_article(
        session, writer, article, {"body": LONG_BODY + "\n\nA last word on mulch."}
    )
    autosave.autosave(
        session,
        writer,
        article,
        {"title": article.title, "description": article.description, "body": "Not yet."},
        version=article.version,
    )
    scheduled = articles.create_article(
        session, writer, title=f"Coming {word}", description="Soon.", body="In a week."
    )
    scheduling.schedule_article(session, writer, scheduled, datetime.now(UTC) + timedelta(days=7))
    numbers = session.scalars(
        select(ArticleRevision.id)
        .where(ArticleRevision.article_id == article.id)
        .order_by(ArticleRevision.number)
    ).all()
    return {
        "scheduled_slug": scheduled.slug,
        "first_revision": numbers[0],
        "last_revision": numbers[-1],
        "draft_token": draft_links.create_draft_link(session, writer, draft)[1],
        "update_token": draft_links.create_draft_link(session, writer, article)[1],
    }


@pytest.fixture
def site(live_server: LiveServer) -> Site:
    author, reader, word = unique("gardener"), unique("neighbour"), unique("parsnip")
    make_user(live_server, author, Role.ADMIN)
    make_user(live_server, reader)
    return live_server.run(lambda: _fill_site(author, reader, word))  # type: ignore[no-any-return]


def _visit(page: Any, path: str, shot: Path) -> None:
    page.goto(path)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shot), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways"
    # axe-core has checked this very page (the conftest fails the test on violations).
    page.folio_axe.wait(page)
    assert path in page.folio_axe.checked, f"axe-core did not check {path}"


def _forms_with_errors(page: Any, site: Site) -> None:
    """Fields with hints and errors: aria-invalid and the error's description, checked."""
    page.goto("/articles/new")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Title can't be blank")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    page.goto("/settings")
    page.get_by_role("textbox", name="New email").fill("not an address")
    page.get_by_role("button", name="Change email").click()
    expect(page.locator("[aria-invalid='true']").first).to_be_visible()
    assert page.locator("[aria-invalid='None']").count() == 0


WIDTHS = (("desktop", DESKTOP, "light"), ("phone", PHONE, "light"), ("dark", DESKTOP, "dark"))


@pytest.mark.parametrize(("width_name", "viewport", "scheme"), WIDTHS, ids=[w[0] for w in WIDTHS])
def test_every_page_passes_axe(
    new_page: Any,
    live_server: LiveServer,
    site: Site,
    screenshot_dir: Path,
    width_name: str,
    viewport: dict[str, int],
    scheme: str,
) -> None:
    page = new_page(viewport, color_scheme=scheme)
    for name, template in PUBLIC_PAGES:
        _visit(page, site.url(template), screenshot_dir / f"a11y-{name}-{width_name}.png")
    page.goto("/auth/login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    sign_in(page, site.author)
    for name, template in SIGNED_IN_PAGES:
        _visit(page, site.url(template), screenshot_dir / f"a11y-{name}-{width_name}.png")
    _forms_with_errors(page, site)
    assert page.folio_watch.problems == []


def test_the_check_catches_a_fault_even_on_a_page_left_at_once(
    browser: Any, live_server: LiveServer, axe_source: str
) -> None:
    """The machine that checks the pages: a nameless link and a missing label are found,
    on a page the tab leaves before the check could have finished (the navigation waits)."""
    audit = AxeAudit(live_server.url)
    context = browser.new_context(base_url=live_server.url)
    audit.watch(context, axe_source)
    faulty = (
        '<!doctype html><html lang="en"><head><title>Faulty</title></head><body><main>'
        '<h1>Faulty</h1><a href="/"><img src="/static/images/favicon.svg"></a>'
        '<input type="text" name="unnamed"></main></body></html>'
    )
    context.route(
        "**/faulty-page",
        lambda route: route.fulfill(status=200, content_type="text/html", body=faulty),
    )
    try:
        page = context.new_page()
        page.goto("/faulty-page", wait_until="domcontentloaded")
        page.goto("/auth/login")
        audit.wait(page)
    finally:
        context.close()
    found = "\n".join(audit.violations)
    assert "/faulty-page: link-name (serious)" in found
    assert "/faulty-page: label (critical)" in found
    assert "/faulty-page: image-alt (critical)" in found
    assert "/auth/login" in audit.checked
    assert "/auth/login:" not in found
