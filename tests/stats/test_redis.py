"""Counting in Redis (its own database number and key prefix), the rollup from it, and
the salt kept in Redis until the end of its day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from folio.models import Article, ArticleDay, StatsSalt, StatsVisitor
from folio.stats import runner
from folio.stats.counters import OTHER_HOSTS, RedisCounter
from folio.stats.rules import rollup, rollup_day
from tests.factories import ArticleFactory
from tests.stats.conftest import BROWSER, REDIS_URL
from tests.stats.helpers import (
    DAY,
    check_scripted_totals,
    referrers,
    scripted_visits,
    stored,
    view,
)
from tests.web.helpers import sign_in_through_the_session


@pytest.fixture
def app_overrides(redis_prefix: str) -> dict[str, Any]:
    return {"STATS_REDIS_URL": REDIS_URL, "STATS_KEY_PREFIX": redis_prefix}


@pytest.fixture
def redis_client() -> Iterator[Any]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.mark.usefixtures("app_overrides")
class TestRedis:
    def test_the_redis_counter_is_used(self, app: Flask) -> None:
        with app.app_context():
            assert isinstance(runner.counter(), RedisCounter)

    def test_views_wait_in_redis_until_the_rollup(
        self, session: Session, redis_client: Any, redis_prefix: str
    ) -> None:
        first, second = scripted_visits(session)
        assert stored(session, DAY) == {}  # nothing written to the database per view
        assert session.scalars(select(StatsVisitor)).all() == []
        counts = runner.counter().counts(DAY)
        assert counts.views == {first: 6, second: 2}
        assert counts.visitors == {first: 6, second: 1}
        keys = {k.decode() for k in redis_client.scan_iter(f"{redis_prefix}*")}
        assert f"{redis_prefix}{DAY.isoformat()}:views" in keys
        for key in keys:  # every key expires: nothing is kept for ever
            assert redis_client.ttl(key) > 0

        rollup(session, runner.counter(), today=DAY)
        check_scripted_totals(session, first, second)

    def test_the_rollup_is_idempotent_and_takes_later_views(self, session: Session) -> None:
        first, second = scripted_visits(session)
        counter = runner.counter()
        rollup_day(session, counter, DAY)
        rollup_day(session, counter, DAY)  # again: the same totals, not twice them
        assert stored(session, DAY) == {first: (6, 6), second: (2, 1)}
        view(session, "second", DAY, address="198.51.100.77")
        rollup_day(session, counter, DAY)
        assert stored(session, DAY) == {first: (6, 6), second: (3, 2)}

    def test_articles_deleted_before_the_rollup_are_left_out(self, session: Session) -> None:
        first, second = scripted_visits(session)
        session.execute(delete(Article).where(Article.id == second))
        session.flush()
        report = rollup_day(session, runner.counter(), DAY)
        assert (report.articles, report.views) == (1, 6)
        assert stored(session, DAY) == {first: (6, 6)}

    def test_a_flood_of_forged_referrers_is_capped(self, app: Flask, session: Session) -> None:
        article = ArticleFactory(slug="flooded")
        for n in range(8):
            view(session, "flooded", DAY, referrer=f"https://spam{n}.example/")
        view(session, "flooded", DAY, referrer="https://real.example/")
        view(session, "flooded", DAY, referrer="https://real.example/")
        rollup_day(session, runner.counter(), DAY, hosts_kept=3)
        kept = referrers(session, DAY)
        assert kept[(article.id, "real.example")] == 2
        assert kept[(article.id, OTHER_HOSTS)] == 6
        assert len(kept) == 4

    def test_the_salt_lives_in_redis_until_the_end_of_its_day(
        self, session: Session, redis_client: Any, redis_prefix: str
    ) -> None:
        ArticleFactory(slug="salted")
        today = datetime.now(UTC).date()
        view(session, "salted", today)
        ttl = redis_client.ttl(f"{redis_prefix}salt:{today.isoformat()}")
        midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        assert 0 < ttl <= (midnight - datetime.now(UTC)).total_seconds() + 61
        assert session.scalars(select(StatsSalt)).all() == []

    def test_dashboards_answer_while_redis_is_down(
        self, app: Flask, session: Session, client: Any
    ) -> None:
        article = ArticleFactory(slug="rolled")
        writer = article.author
        earlier = datetime.now(UTC).date() - timedelta(days=3)
        session.add(ArticleDay(article_id=article.id, day=earlier, views=7, visitors=5))
        session.commit()
        app.extensions["folio.stats"] = RedisCounter(
            redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
            "x:",
            8,
        )
        sign_in_through_the_session(client, writer)
        page = client.get("/me/stats?days=90")
        assert page.status_code == 200
        assert "<dt>Views</dt><dd>7</dd>" in page.get_data(as_text=True)

    def test_redis_down_answers_503_and_stores_nothing(self, app: Flask, session: Session) -> None:
        ArticleFactory(slug="unreachable")
        session.commit()
        app.extensions["folio.stats"] = RedisCounter(
            redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2),
            "x:",
            8,
        )
        response = app.test_client().post(
            "/stats/views/unreachable", json={}, headers={"User-Agent": BROWSER}
        )
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert session.scalars(select(StatsSalt)).all() == []
