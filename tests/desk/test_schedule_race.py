"""Two instances run publish_due at the same moment: each article is published once.

Real commits on the run's database (PostgreSQL with ``TEST_DATABASE_URL``, else a SQLite
file), two apps standing for two instances (each its own engine, connections, cache and
outbox), one thread each, started together by a barrier. What is committed is removed
afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from folio import create_app
from folio.articles import scheduling
from folio.extensions import db
from folio.mail import outbox
from folio.models import Article, Status, User
from tests.desk.schedule_helpers import NOW, counting_published, follower_of, scheduled_draft
from tests.factories import UserFactory

ARTICLES = 12
ROUNDS = 3
RACERS = 2


@pytest.fixture
def instances(database_url: str, media_root: str) -> Iterator[list[Flask]]:
    apps = [
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "MEDIA_ROOT": media_root})
        for _ in range(RACERS)
    ]
    yield apps
    with apps[0].app_context():
        db.session.execute(delete(User).where(User.username.like("racer%")))
        db.session.commit()
        db.session.remove()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _prepare(app: Flask, round_number: int) -> tuple[list[int], str]:
    with app.app_context():
        author = UserFactory(username=f"racer{round_number}a", display_name="Racer")
        reader = follower_of(author, username=f"racer{round_number}r")
        ids = [scheduled_draft(author, at=NOW - timedelta(seconds=n)).id for n in range(ARTICLES)]
        db.session.commit()
        email = reader.email
        db.session.remove()
    return ids, email


def _race(apps: list[Flask]) -> list[list[str]]:
    start = threading.Barrier(len(apps))
    results: list[list[str]] = [[] for _ in apps]
    failures: list[BaseException] = []

    def run(index: int, app: Flask) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                results[index] = scheduling.publish_due(db.session(), NOW)
                db.session.remove()
        except BaseException as error:  # reported below, with the thread's traceback
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i, app)) for i, app in enumerate(apps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return results


def _mails_to(apps: list[Flask], address: str) -> list[Any]:
    sent = []
    for app in apps:
        with app.app_context():
            sent.extend(m for m in outbox() if m.to == address)
    return sent


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_two_instances_racing_publish_each_article_exactly_once(
    instances: list[Flask], round_number: int
) -> None:
    ids, reader_email = _prepare(instances[0], round_number)
    with counting_published() as published:
        results = _race(instances)

    assert sorted(published.article_ids) == sorted(ids)  # one ArticlePublished each
    assert len(_mails_to(instances, reader_email)) == ARTICLES  # one email per article
    mine = [slug for result in results for slug in result]
    assert len(mine) == len(set(mine)) == ARTICLES, results  # no article twice, none missed
    with instances[0].app_context():
        rows = db.session.execute(
            select(Article.status, Article.publish_at).where(Article.id.in_(ids))
        ).all()
        db.session.remove()
    assert set(rows) == {(Status.PUBLISHED.value, None)}


@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_a_cancel_racing_the_publication_either_wins_or_is_told_it_has_passed(
    instances: list[Flask], round_number: int
) -> None:
    from folio.core.errors import Conflict
    from folio.core.uow import unit_of_work

    ids, _ = _prepare(instances[0], 10 + round_number)
    article_id = ids[0]
    start = threading.Barrier(2)
    outcome: dict[str, Any] = {}

    def publish() -> None:
        with instances[0].app_context():
            start.wait(timeout=30)
            outcome["published"] = scheduling.publish_due(db.session(), NOW)
            db.session.remove()

    def cancel() -> None:
        # As the Scheduled page's POST does it (on SQLite a writing request takes the
        # write lock when its transaction begins).
        with instances[1].test_request_context("/", method="POST"):
            session = db.session()
            start.wait(timeout=30)
            article = session.get(Article, article_id)
            author = session.get(User, article.author_id) if article else None
            try:
                with unit_of_work(session):
                    # The writer's clock still shows a moment to come.
                    scheduling.cancel_schedule(
                        session, author, article, now=NOW - timedelta(minutes=1)
                    )  # type: ignore[arg-type]
                outcome["cancel"] = "done"
            except Conflict as error:
                outcome["cancel"] = error.errors["publish_at"][0]
            db.session.remove()

    with counting_published() as published:
        threads = [threading.Thread(target=publish), threading.Thread(target=cancel)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    with instances[0].app_context():
        status = db.session.scalar(select(Article.status).where(Article.id == article_id))
        db.session.remove()
    if outcome["cancel"] == "done":
        assert status == Status.DRAFT.value
        assert article_id not in published.article_ids
    else:
        assert outcome["cancel"].startswith("has passed")
        assert status == Status.PUBLISHED.value
        assert published.of(article_id) == 1
