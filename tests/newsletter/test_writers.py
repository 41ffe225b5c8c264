"""The writer's list: see, remove, export and import subscribers; the editor's switch."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from folio.models import Article, Subscriber, User, now_utc
from tests.factories import UserFactory
from tests.media.helpers import multipart
from tests.newsletter.smtp import Inbox, link
from tests.web.helpers import sign_in_through_the_session, text


@pytest.fixture
def writer(session: Session) -> User:
    return UserFactory(username="ada", display_name="Ada", email="ada@example.com")


@pytest.fixture
def signed_in(client: FlaskClient, writer: User) -> FlaskClient:
    sign_in_through_the_session(client, writer)
    return client


def _add(session: Session, email: str, author: User | None, days_ago: int = 0) -> Subscriber:
    row = Subscriber(
        email=email,
        author_id=author.id if author else None,
        source="form",
        created_at=now_utc() - timedelta(days=days_ago),
    )
    session.add(row)
    session.flush()
    return row


def _emails(session: Session, author: User | None) -> list[str]:
    scope = Subscriber.author_id.is_(None) if author is None else Subscriber.author_id == author.id
    return sorted(session.scalars(select(Subscriber.email).where(scope)))


def _upload(client: FlaskClient, data: bytes, consent: bool = False, name: str = "list.csv") -> Any:
    form: dict[str, Any] = {"file": (data, name)}
    if consent:
        form["consent"] = "y"
    return client.post("/newsletter/subscribers/import", **multipart(form))


def test_the_page_shows_count_growth_and_only_the_writers_list(
    signed_in: FlaskClient, session: Session, writer: User
) -> None:
    other = UserFactory()
    _add(session, "new@example.com", writer)
    _add(session, "older@example.com", writer, days_ago=3)
    _add(session, "ancient@example.com", writer, days_ago=90)
    _add(session, "theirs@example.com", other)
    _add(session, "site@example.com", None)
    page = signed_in.get("/newsletter/subscribers")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    shown = text(page)
    assert "3 subscribers · 2 new in the last 30 days" in shown
    assert "new@example.com" in shown
    assert "ancient@example.com" in shown
    assert "theirs@example.com" not in shown
    assert "site@example.com" not in shown
    assert '<svg class="growth-chart"' in page.get_data(as_text=True)


def test_a_writer_removes_their_subscriber_but_not_anothers(
    signed_in: FlaskClient, session: Session, writer: User
) -> None:
    mine = _add(session, "mine@example.com", writer)
    theirs = _add(session, "theirs@example.com", UserFactory())
    answer = signed_in.post(f"/newsletter/subscribers/{mine.id}/remove")
    assert answer.status_code == 302
    assert signed_in.post(f"/newsletter/subscribers/{theirs.id}/remove").status_code == 404
    session.expire_all()
    assert _emails(session, writer) == []
    assert session.get(Subscriber, theirs.id) is not None


def test_only_admins_see_the_site_list(
    signed_in: FlaskClient, session: Session, writer: User
) -> None:
    assert signed_in.get("/newsletter/subscribers?list=site").status_code == 403
    assert signed_in.get("/newsletter/subscribers.csv?list=site").status_code == 403


def test_csv_export(signed_in: FlaskClient, session: Session, writer: User) -> None:
    _add(session, "a@example.com", writer)
    _add(session, "=cmd@example.com", writer)  # would be a formula in a spreadsheet
    _add(session, "theirs@example.com", UserFactory())
    answer = signed_in.get("/newsletter/subscribers.csv")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = answer.get_data(as_text=True).splitlines()
    assert lines[0] == "email,subscribed_at,source"
    assert sorted(line.split(",")[0] for line in lines[1:]) == [
        "'=cmd@example.com",
        "a@example.com",
    ]


def test_import_with_consent_adds_the_addresses(
    signed_in: FlaskClient, session: Session, writer: User, inbox: Inbox
) -> None:
    _add(session, "already@example.com", writer)
    data = b"Name,Email\nAnn,ann@example.com\nBob,BOB@example.com\nDup,ann@example.com\n"
    data += b"Bad,not-an-address\nOld,already@example.com\n"
    answer = _upload(signed_in, data, consent=True)
    assert answer.status_code == 302
    flashed = text(signed_in.get("/newsletter/subscribers"))
    assert "1 row was not an email address and was skipped (line 5)" in flashed
    session.expire_all()
    assert _emails(session, writer) == ["already@example.com", "ann@example.com", "bob@example.com"]
    assert inbox.messages == []  # consent affirmed: no confirmation mails


def test_import_without_consent_mails_each_a_confirmation_and_stores_nothing(
    signed_in: FlaskClient, session: Session, writer: User, inbox: Inbox
) -> None:
    answer = _upload(signed_in, b"email\nann@example.com\nbob@example.com\n")
    assert answer.status_code == 302
    session.expire_all()
    assert _emails(session, writer) == []
    (mail,) = inbox.wait_for("ann@example.com")
    inbox.wait_for("bob@example.com")
    assert "new articles by Ada" in mail["Subject"]
    signed_in.post(link(mail, "/newsletter/confirm/"))
    session.expire_all()
    assert _emails(session, writer) == ["ann@example.com"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("caf\u00e9@example.com\n".encode("latin-1"), "is not UTF-8 text"),
        (b"email\n\x00\x00\n", "contains NUL characters"),
        (b"", "has no addresses"),
        (b'"unterminated\n' + b"x" * 200_000, "is not a readable CSV file"),
    ],
)
def test_a_broken_file_gets_a_clear_error_and_adds_nothing(
    signed_in: FlaskClient, session: Session, writer: User, data: bytes, message: str
) -> None:
    answer = _upload(signed_in, data, consent=True)
    assert answer.status_code == 422
    assert message in text(answer)
    assert _emails(session, writer) == []


@pytest.mark.parametrize("newsletter_settings", [{"NEWSLETTER_IMPORT_MAX_ROWS": 1000}])
def test_too_many_rows_are_refused(signed_in: FlaskClient, session: Session, writer: User) -> None:
    data = "".join(f"r{n}@example.com\n" for n in range(1001)).encode()
    answer = _upload(signed_in, data, consent=True)
    assert answer.status_code == 422
    assert "has more than 1,000 rows" in text(answer)
    assert _emails(session, writer) == []


@pytest.mark.parametrize("newsletter_settings", [{"NEWSLETTER_IMPORT_MAX_BYTES": 1024 * 1024}])
def test_a_file_over_the_size_cap_is_refused(signed_in: FlaskClient, writer: User) -> None:
    answer = _upload(signed_in, b"a@example.com\n" * 200_000, consent=True)
    assert answer.status_code == 413


def test_a_hundred_thousand_rows_are_imported_by_tasks(
    signed_in: FlaskClient, session: Session, writer: User
) -> None:
    data = "email\n" + "".join(f"reader{n}@example.com\n" for n in range(100_000))
    started = time.monotonic()
    answer = _upload(signed_in, data.encode(), consent=True)
    elapsed = time.monotonic() - started
    assert answer.status_code == 302
    count = session.scalar(
        select(func.count()).select_from(Subscriber).where(Subscriber.author_id == writer.id)
    )
    assert count == 100_000
    # Tasks run eagerly here, in the request; a worker takes them in production. Even so
    # the whole import stays far from a proxy's timeout.
    assert elapsed < 60, elapsed


def test_the_editor_switch_is_on_by_default_and_can_be_turned_off(
    signed_in: FlaskClient, session: Session, writer: User
) -> None:
    page = signed_in.get("/articles/new").get_data(as_text=True)
    box = re.search(r"<input[^>]*id=\"send_email\"[^>]*>", page)
    assert box is not None
    assert "checked" in box.group(0)
    answer = signed_in.post(
        "/articles/new",
        data={
            "title": "Quiet one",
            "description": "d",
            "body": "b",
            "action": "draft",
            "send_email_shown": "1",
        },
    )
    assert answer.status_code == 302
    article = session.scalar(select(Article).where(Article.title == "Quiet one"))
    assert article is not None
    assert article.send_email is False
    # A form without the box (an older page, a script) leaves the mail on.
    signed_in.post(
        "/articles/new",
        data={"title": "Loud one", "description": "d", "body": "b", "action": "draft"},
    )
    loud = session.scalar(select(Article).where(Article.title == "Loud one"))
    assert loud is not None
    assert loud.send_email is True
