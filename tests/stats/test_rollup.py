"""Counting straight into the database (no Redis), the rollup and the daily salt."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from folio.models import Article, StatsSalt, StatsVisitor
from folio.stats import runner
from folio.stats.counters import DatabaseCounter
from folio.stats.rules import rollup
from tests.factories import ArticleFactory
from tests.stats.helpers import DAY, check_scripted_totals, scripted_visits, stored, view


def test_the_database_counter_is_used_without_redis(app: Flask) -> None:
    with app.app_context():
        assert isinstance(runner.counter(), DatabaseCounter)


def test_database_counting_and_rollup(session: Session) -> None:
    first, second = scripted_visits(session)
    check_scripted_totals(session, first, second)  # live in the tables already
    assert len(session.scalars(select(StatsVisitor)).all()) == 9
    done = rollup(session, runner.counter(), today=DAY)
    assert [(r.day, r.views, r.visitors) for r in done] == [
        (DAY - timedelta(days=1), 3, 2),
        (DAY, 8, 7),
    ]
    # Past days' hashes and salts are gone; today's stay for today's deduplication.
    assert {v.day for v in session.scalars(select(StatsVisitor))} == {DAY}
    assert set(session.scalars(select(StatsSalt.day))) == {DAY}
    check_scripted_totals(session, first, second)


def test_the_salt_rotates_daily_and_old_salts_are_deleted(session: Session) -> None:
    article = ArticleFactory(slug="salted")
    counter = runner.counter()
    view(session, "salted", DAY)
    view(session, "salted", DAY + timedelta(days=1))
    salts = dict(session.execute(select(StatsSalt.day, StatsSalt.salt)).all())
    # Creating a new day's salt deleted the day before's: no hash can be redone.
    assert list(salts) == [DAY + timedelta(days=1)]
    hashes = session.execute(select(StatsVisitor.day, StatsVisitor.visitor)).all()
    assert len({h.visitor for h in hashes}) == 2  # the same reader, unlinkable across days
    assert stored(session, DAY) == {article.id: (1, 1)}
    assert stored(session, DAY + timedelta(days=1)) == {article.id: (1, 1)}
    assert counter.salt(session, DAY + timedelta(days=1)) == salts[DAY + timedelta(days=1)]


def test_a_deleted_article_takes_its_figures_along(session: Session) -> None:
    article = ArticleFactory(slug="gone")
    view(session, "gone", DAY)
    session.execute(delete(Article).where(Article.id == article.id))
    session.flush()
    assert stored(session, DAY) == {}


def test_beat_rolls_up_every_few_minutes(app: Flask) -> None:
    celery = app.extensions["celery"]
    entry = celery.conf.beat_schedule["stats-rollup"]
    assert entry == {"task": "folio.tasks.stats_rollup", "schedule": 300.0}
    assert "folio.tasks.stats_rollup" in celery.tasks


def test_the_task_and_the_command_roll_up(app: Flask, session: Session) -> None:
    from folio.tasks import run_task

    ArticleFactory(slug="commanded")
    view(session, "commanded", DAY)
    session.add(StatsVisitor(day=DAY - timedelta(days=400), article_id=1, visitor="0" * 32))
    session.commit()
    with app.test_request_context():
        run_task("stats_rollup")
    assert session.scalars(select(StatsVisitor).where(StatsVisitor.day < DAY)).all() == []
    result = app.test_cli_runner().invoke(args=["stats", "rollup", "--day", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{DAY.isoformat()}: 1 views, 1 unique visitors on 1 articles" in result.output
    bad = app.test_cli_runner().invoke(args=["stats", "rollup", "--day", "yesterday"])
    assert bad.exit_code == 2
