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
