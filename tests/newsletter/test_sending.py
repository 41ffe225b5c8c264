"""Publishing mails the article once to each address on its list, through real SMTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.articles import queries as article_queries
from folio.articles import rules as articles
from folio.articles.scheduling import publish_due
from folio.core.uow import unit_of_work
from folio.models import Article, Follow, Send, Subscriber, User, now_utc
from folio.newsletter import rules as newsletter
from folio.newsletter.delivery import newsletter_fan_out, newsletter_send_batch
from tests.factories import ArticleFactory, UserFactory
from tests.newsletter.smtp import Inbox, html_part, link, text_part

BODY = (
    "Intro paragraph.\n\n![A diagram](/media/images/ab/abcdef.png)\n\nSee [the docs](/tags/python)."
)


def _subscribe(session: Session, email: str, author: User | None) -> None:
    session.add(Subscriber(email=email, author_id=author.id if author else None, source="form"))


def _publish(session: Session, author: User, article: Article) -> None:
    session.commit()
    article = article_queries.get_article(session, author, article.slug)
    with unit_of_work(session):
        articles.publish_article(session, author, article)


@pytest.fixture
def author(session: Session) -> User:
    return UserFactory(username="ada", display_name="Ada", email="ada@example.com")


def _draft(author: User, **kwargs: Any) -> Article:
    return ArticleFactory(author=author, draft=True, title="Engines", body=BODY, **kwargs)


def test_one_list_subscribers_site_readers_and_email_following_members(
    session: Session, author: User, inbox: Inbox
) -> None:
    keen = UserFactory(email="keen@example.com")
    quiet = UserFactory(email="quiet@example.com", email_notifications=False)
    both = UserFactory(email="both@example.com")
    other = UserFactory(email="other-author@example.com")
    for follower in (keen, quiet, both):
        session.add(Follow(follower_id=follower.id, followee_id=author.id))
    _subscribe(session, "reader@example.com", author)
    _subscribe(session, "both@example.com", author)  # a follower who also subscribed
    _subscribe(session, "site@example.com", None)
    _subscribe(session, "elsewhere@example.com", other)
    _subscribe(session, "ada@example.com", author)  # the author is not mailed her own piece
    draft = _draft(author)
    session.commit()
    assert inbox.messages == []  # a draft mails nobody
    _publish(session, author, draft)
    expected = ["both@example.com", "keen@example.com", "reader@example.com", "site@example.com"]
    for address in expected:
        inbox.wait_for(address)
    assert sorted(str(m["To"]) for m in inbox.messages) == expected
    statuses = session.scalars(select(Send.status).where(Send.article_id == draft.id))
    assert sorted(statuses) == ["sent"] * 4


def test_the_article_mail_has_both_parts_absolute_links_and_one_click_headers(
    session: Session, author: User, inbox: Inbox
) -> None:
    _subscribe(session, "reader@example.com", author)
    draft = _draft(author)
    _publish(session, author, draft)
    (mail,) = inbox.wait_for("reader@example.com")
    assert mail["Subject"] == "Ada published \u201cEngines\u201d"
    # Flask-Mail wraps the two alternatives in multipart/mixed.
    assert "multipart/alternative" in {part.get_content_type() for part in mail.walk()}
    plain, html = text_part(mail), html_part(mail)
    assert "Intro paragraph." in plain
    assert "http://localhost/articles/" in plain
    assert "Intro paragraph." in html
    # Styles inlined: no <style> block left, style attributes on the elements.
    assert "<style" not in html
    assert 'style="' in html
    assert "<h1 style=" in html
    # Images and links point at the site, not at a page the mail does not have.
    assert 'src="http://localhost/media/images/ab/abcdef.png"' in html
    assert 'href="http://localhost/tags/python"' in html
    assert 'src="/' not in html
    assert 'href="/' not in html
    unsubscribe = mail["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://localhost/newsletter/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in plain
    assert unsubscribe.strip("<>") in html


def test_one_click_unsubscribe_round_trip(
    app: Flask, session: Session, author: User, inbox: Inbox
) -> None:
    member = UserFactory(email="member@example.com")
    session.add(Follow(follower_id=member.id, followee_id=author.id))
    _subscribe(session, "member@example.com", None)
    _subscribe(session, "reader@example.com", author)
    _publish(session, author, _draft(author))
    (mail,) = inbox.wait_for("member@example.com")
    target = mail["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    # What a mail client does (RFC 8058): a POST with no cookie and this one field.
    stranger = app.test_client()
    answer = stranger.post(
        target,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    session.expire_all()
    assert (
        session.scalar(select(Subscriber).where(Subscriber.email == "member@example.com")) is None
    )
    assert session.get(User, member.id).email_notifications is False  # type: ignore[union-attr]
    inbox.clear()
    _publish(session, author, ArticleFactory(author=author, draft=True, title="Next"))
    inbox.wait_for("reader@example.com")
    assert inbox.to("member@example.com") == []


def test_the_unsubscribe_page_asks_first(
    client: FlaskClient, session: Session, author: User, inbox: Inbox
) -> None:
    _subscribe(session, "reader@example.com", author)
    _publish(session, author, _draft(author))
    path = link(inbox.wait_for("reader@example.com")[0], "/newsletter/unsubscribe/")
    page = client.get(path)
    assert page.status_code == 200
    assert b"Unsubscribe" in page.data
    session.expire_all()
    assert session.scalar(select(Subscriber.id)) is not None
    assert page.headers["Cache-Control"] == "no-store"


def test_a_forged_unsubscribe_link_is_a_404(client: FlaskClient) -> None:
    assert client.post("/newsletter/unsubscribe/InJAZXhhbXBsZS5jb20i.forged").status_code == 404


def test_also_send_by_email_off_mails_nobody(session: Session, author: User, inbox: Inbox) -> None:
    _subscribe(session, "reader@example.com", author)
    draft = _draft(author, send_email=False)
    _publish(session, author, draft)
    assert newsletter_fan_out(draft.id) == 0
    assert inbox.messages == []


def test_a_scheduled_article_is_mailed_when_it_goes_out(
    session: Session, author: User, inbox: Inbox
) -> None:
    _subscribe(session, "reader@example.com", author)
    draft = _draft(author, publish_at=now_utc() - timedelta(minutes=1))
    session.commit()
    assert publish_due(session) == [draft.slug]
    inbox.wait_for("reader@example.com")


def test_a_second_run_or_a_second_worker_never_sends_twice(
    session: Session, author: User, inbox: Inbox
) -> None:
    for n in range(5):
        _subscribe(session, f"r{n}@example.com", author)
    draft = _draft(author)
    _publish(session, author, draft)
    for n in range(5):
        inbox.wait_for(f"r{n}@example.com")
    ids = list(session.scalars(select(Send.id).where(Send.article_id == draft.id)))
    # The task delivered again (a retry, a redelivery, a second worker): nothing new.
    assert newsletter_fan_out(draft.id) == 0
    assert newsletter_send_batch(ids) == 0
    assert len(inbox.messages) == 5


def test_a_crash_mid_batch_resumes_where_it_stopped(
    session: Session, author: User, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    import folio.newsletter.delivery as delivery

    for n in range(6):
        _subscribe(session, f"r{n}@example.com", author)
    draft = _draft(author, send_email=False)  # queued by hand below
    _publish(session, author, draft)
    with unit_of_work(session):
        draft.send_email = True
        newsletter.queue_sends(session, draft.id, newsletter.recipients(session, draft))
    ids = newsletter.pending_sends(session, draft.id)
    real_send = delivery.send_mail

    def smtp_dies_at_the_fourth(to: str, *args: Any, **kwargs: Any) -> None:
        if to == "r3@example.com":
            raise ConnectionRefusedError("SMTP went away")
        real_send(to, *args, **kwargs)

    monkeypatch.setattr(delivery, "send_mail", smtp_dies_at_the_fourth)
    with pytest.raises(ConnectionRefusedError):
        newsletter_send_batch.run(ids)
    assert sorted(str(m["To"]) for m in inbox.messages) == [f"r{n}@example.com" for n in range(3)]
    session.expire_all()
    assert newsletter.send_counts(session, draft.id) == {"sent": 3, "pending": 3}
    monkeypatch.setattr(delivery, "send_mail", real_send)
    assert newsletter_send_batch.run(ids) == 3  # the retry sends only what is left
    assert sorted(str(m["To"]) for m in inbox.messages) == [f"r{n}@example.com" for n in range(6)]


def test_a_claim_whose_worker_died_is_never_resent(
    session: Session, author: User, inbox: Inbox
) -> None:
    _subscribe(session, "reader@example.com", author)
    draft = _draft(author, send_email=False)
    _publish(session, author, draft)
    with unit_of_work(session):
        draft.send_email = True
        newsletter.queue_sends(session, draft.id, ["reader@example.com"])
        (send_id,) = newsletter.pending_sends(session, draft.id)
        assert newsletter.claim_send(session, send_id) is not None  # then the worker died
        session.get(Send, send_id).claimed_at = now_utc() - timedelta(hours=1)  # type: ignore[union-attr]
    assert newsletter_fan_out(draft.id) == 0
    assert newsletter.send_counts(session, draft.id) == {"unknown": 1}
    assert inbox.messages == []


@pytest.mark.parametrize(
    "newsletter_settings", [{"NEWSLETTER_BATCH_SIZE": 2, "NEWSLETTER_RATE_PER_MINUTE": 12}]
)
def test_batches_are_spaced_to_keep_the_configured_rate(
    app: Flask, session: Session, author: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    import folio.newsletter.delivery as delivery

    queued: list[tuple[list[int], float]] = []
    monkeypatch.setattr(
        delivery, "_queue_batch", lambda ids, countdown: queued.append((ids, countdown))
    )
    for n in range(5):
        _subscribe(session, f"r{n}@example.com", author)
    draft = _draft(author)
    _publish(session, author, draft)
    # 12 a minute in batches of 2: a batch every 10 s.
    assert [len(ids) for ids, _ in queued] == [2, 2, 1]
    assert [countdown for _, countdown in queued] == [0.0, 10.0, 20.0]


def test_send_pending_finishes_what_a_worker_left(
    app: Flask, session: Session, author: User, inbox: Inbox
) -> None:
    _subscribe(session, "late@example.com", author)
    draft = _draft(author, send_email=False)
    _publish(session, author, draft)
    with unit_of_work(session):
        draft.send_email = True
        newsletter.queue_sends(session, draft.id, ["late@example.com"])  # never batched
    result = app.test_cli_runner().invoke(args=["newsletter", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "1 article(s) with pending mails queued again." in result.output
    inbox.wait_for("late@example.com")
    again = app.test_cli_runner().invoke(args=["newsletter", "send-pending"])
    assert "0 article(s)" in again.output
    assert len(inbox.messages) == 1
