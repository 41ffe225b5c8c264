"""Subscribing: the form on cached pages, double opt-in, no enumeration, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.models import Subscriber
from tests.factories import ArticleFactory, UserFactory
from tests.newsletter.smtp import Inbox, link, text_part
from tests.web.helpers import text


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Subscriber)) or 0)


@pytest.fixture
def newsletter_settings() -> dict[str, Any]:
    # CSRF on, as in production: the subscribe form works without a token.
    return {"WTF_CSRF_ENABLED": True}


def test_the_form_is_on_the_home_page_profiles_and_articles_without_a_token(
    client: FlaskClient, session: Session
) -> None:
    author = UserFactory(username="ada", display_name="Ada")
    article = ArticleFactory(author=author)
    for path in ("/", "/@ada", f"/articles/{article.slug}"):
        page = client.get(path)
        html = page.get_data(as_text=True)
        assert 'action="/newsletter/subscribe"' in html, path
        # No token and no session: the public cache may still keep the page.
        assert (
            "csrf_token" not in html.split('action="/newsletter/subscribe"')[1].split("</form>")[0]
        )
        assert "Set-Cookie" not in page.headers, path
        assert "no-store" not in page.headers.get("Cache-Control", ""), path
    assert 'name="author" value="ada"' in client.get("/@ada").get_data(as_text=True)
    article_page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "Everything on Folio" in article_page  # the whole-site choice


def test_double_opt_in_from_the_form(client: FlaskClient, session: Session, inbox: Inbox) -> None:
    ada = UserFactory(username="ada", display_name="Ada")
    answer = client.post(
        "/newsletter/subscribe", data={"email": "Reader@Example.COM", "author": "ada"}
    )
    assert answer.status_code == 200
    assert "a confirmation link is on its way" in text(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    assert _count(session) == 0  # nothing stored before the reader confirms
    (mail,) = inbox.wait_for("reader@example.com")
    assert "new articles by Ada" in mail["Subject"]
    confirm = link(mail, "/newsletter/confirm/")
    asked = client.get(confirm)  # a mail scanner's GET confirms nothing
    assert asked.status_code == 200
    assert "Confirm subscription" in text(asked)
    assert _count(session) == 0
    done = client.post(confirm)
    assert done.status_code == 200
    assert "You are subscribed" in text(done)
    (row,) = session.scalars(select(Subscriber))
    assert (row.email, row.author_id, row.source) == ("reader@example.com", ada.id, "form")
    assert client.post(confirm).status_code == 200  # clicked twice: still one row
    assert _count(session) == 1


def test_the_answer_is_the_same_for_new_subscribed_and_member_addresses(
    client: FlaskClient, session: Session, inbox: Inbox
) -> None:
    UserFactory(email="member@example.com")
    session.add(Subscriber(email="old@example.com", author_id=None, source="form"))
    answers = {
        address: client.post("/newsletter/subscribe", data={"email": address})
        for address in ("new@example.com", "old@example.com", "member@example.com")
    }
    bodies = {text(a) for a in answers.values()}
    assert {a.status_code for a in answers.values()} == {200}
    assert len(bodies) == 1, bodies
    inbox.wait_for("new@example.com")
    inbox.wait_for("member@example.com")  # a member subscribes like anyone (and confirms)
    assert inbox.to("old@example.com") == []  # already on the list: nothing is mailed


@pytest.mark.parametrize(
    "address",
    [
        "",
        "not-an-address",
        "a@b",
        "x" * 250 + "@example.com",
        "victim@example.com\r\nBcc: everyone@example.com",
        "<script>alert(1)</script>@example.com",
        "two@example.com, three@example.com",
    ],
)
def test_malformed_addresses_get_a_clear_answer_and_no_mail(
    client: FlaskClient, session: Session, inbox: Inbox, address: str
) -> None:
    answer = client.post("/newsletter/subscribe", data={"email": address})
    assert answer.status_code == 422
    assert "Email address" in text(answer)
    assert "<script>alert" not in answer.get_data(as_text=True)
    assert _count(session) == 0
    assert inbox.messages == []


def test_an_unknown_author_is_a_404_not_a_500(client: FlaskClient, inbox: Inbox) -> None:
    answer = client.post(
        "/newsletter/subscribe", data={"email": "a@example.com", "author": "nobody"}
    )
    assert answer.status_code == 404
    assert inbox.messages == []


def test_a_forged_confirmation_link_is_refused(client: FlaskClient, session: Session) -> None:
    assert (
        client.post("/newsletter/confirm/WyJhQGV4YW1wbGUuY29tIixudWxsXQ.forged").status_code == 404
    )
    assert client.get("/newsletter/confirm/garbage").status_code == 404
    assert _count(session) == 0


@pytest.mark.parametrize("newsletter_settings", [{"NEWSLETTER_CONFIRM_MAX_AGE": -1}])
def test_an_expired_confirmation_link_says_so(
    client: FlaskClient, session: Session, inbox: Inbox
) -> None:
    client.post("/newsletter/subscribe", data={"email": "late@example.com"})
    confirm = link(inbox.wait_for("late@example.com")[0], "/newsletter/confirm/")
    answer = client.post(confirm)
    assert answer.status_code == 410
    assert "expired" in text(answer)
    assert _count(session) == 0


@pytest.mark.parametrize(
    "newsletter_settings",
    [
        {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_NEWSLETTER": "100 per minute",
            "RATELIMIT_NEWSLETTER_ACCOUNT": "2 per hour",
        }
    ],
)
def test_one_address_cannot_be_mail_bombed_from_many_clients(
    client: FlaskClient, inbox: Inbox
) -> None:
    codes = [
        client.post(
            "/newsletter/subscribe",
            data={"email": "victim@example.com"},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n}"},
        ).status_code
        for n in range(1, 6)
    ]
    assert codes == [200, 200, 429, 429, 429]
    assert len(inbox.wait_for("victim@example.com", 2)) == 2
    assert len(inbox.to("victim@example.com")) == 2


@pytest.mark.parametrize(
    "newsletter_settings",
    [
        {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_NEWSLETTER": "3 per minute",
            "RATELIMIT_NEWSLETTER_ACCOUNT": "100 per hour",
        }
    ],
)
def test_one_client_cannot_flood_many_addresses(client: FlaskClient, inbox: Inbox) -> None:
    codes = [
        client.post("/newsletter/subscribe", data={"email": f"r{n}@example.com"}).status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert inbox.to("r4@example.com") == []


def test_confirmation_mail_is_plain_and_names_no_other_reader(
    client: FlaskClient, inbox: Inbox
) -> None:
    client.post("/newsletter/subscribe", data={"email": "solo@example.com"})
    (mail,) = inbox.wait_for("solo@example.com")
    assert "new articles on Folio" in text_part(mail)
    assert mail["List-Unsubscribe"] is None  # not a list mail: one message, asked for


@pytest.mark.parametrize("newsletter_settings", [{"PUBLIC_CACHE": True, "WTF_CSRF_ENABLED": True}])
def test_the_public_cache_serves_the_pages_and_their_form_still_works(
    client: FlaskClient, session: Session, inbox: Inbox
) -> None:
    author = UserFactory(username="ada")
    slug = ArticleFactory(author=author).slug
    for path in ("/", "/@ada", f"/articles/{slug}"):
        assert client.get(path).headers["X-Folio-Cache"] == "miss", path
        cached = client.get(path)
        assert cached.headers["X-Folio-Cache"] == "hit", path
        assert 'action="/newsletter/subscribe"' in cached.get_data(as_text=True)
    # The form from the cached page, as is (no token, no cookie): it works.
    answer = client.post("/newsletter/subscribe", data={"email": "cached@example.com"})
    assert answer.status_code == 200
    inbox.wait_for("cached@example.com")
