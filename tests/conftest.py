"""Fixtures: one app per run, per-test rollback on a real database.

The schema is built once per run by the migrations (never ``create_all``), on a temporary
SQLite file, or on PostgreSQL when ``TEST_DATABASE_URL`` is set. Each test runs inside an
outer transaction that is rolled back afterwards; the app's session joins it through
savepoints, so views may commit as they do in production.

The app (and its OpenAPI spec) is built once per run and put back as it was after each
test: its config, cache, rate-limit counters, outbox and kept totals. A test that needs
other config gets its own app by overriding ``app_overrides``; one that adds routes or
hooks marks itself ``fresh_app``.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from folio import create_app
from folio.extensions import db

TEST_PASSWORD = "correct-horse-battery"


def pytest_report_header() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return f"folio database: {url or 'temporary SQLite file'}"


HEAVY_MARKERS = ("e2e", "stack", "faults")


# Last: after the other conftests' marks (tests/media marks its S3 tests) and after
# pytest-xdist's own hook, whose work this one finishes.
@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Under pytest-xdist (--dist loadgroup) the suites that start servers or a browser
    # run in one worker, so their session fixtures start once.
    for item in items:
        if any(item.get_closest_marker(name) for name in HEAVY_MARKERS):
            item.add_marker(pytest.mark.xdist_group("servers"))
        # schemathesis names each operation's test in ``name`` but gives them all one node
        # id, and pytest-xdist schedules by node id: only one operation would run.
        if item.parent is not None and item.nodeid.rsplit("::", 1)[-1] != item.name:
            item._id = item.parent.id.child(item.name)
        if getattr(config.option, "loadgroup", False):
            _name_the_group(item)


def _name_the_group(item: pytest.Item) -> None:
    """Put the item's xdist group in its node id, which is how loadgroup schedules.

    pytest-xdist 3.8 does it by setting ``_nodeid``, which pytest 9.2 no longer reads
    (pytest-dev/pytest-xdist#1386): every group was spread over all the workers, and
    each one started its own servers. Done here, the way xdist does it, until it is fixed.
    """
    groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group")})
    if groups and "@" not in item.nodeid.rsplit("]", 1)[-1]:
        item._id = type(item._id).parse(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The database the whole run uses, upgraded once from the migrations.

    Each pytest-xdist worker gets a database of its own: on PostgreSQL a copy named after
    the worker beside ``TEST_DATABASE_URL`` (made here, dropped at the end), on SQLite a
    file in the worker's temporary directory.
    """
    url = os.environ.get("TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "folio-test.db")
    )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    own = worker is not None and url.startswith("postgresql")
    if own:
        url = _create_database(url, worker or "")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=_migrations())
        db.engine.dispose()
    yield url
    if own:
        _drop_database(url)


def _server_engine(url: str) -> tuple[Engine, str]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url).set(drivername="postgresql+psycopg")
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    return server, str(parsed.database)


def _create_database(url: str, worker: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    server, name = _server_engine(url)
    own = f"{name}_{worker}"
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own}"'))
    server.dispose()
    return make_url(url).set(database=own).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    from sqlalchemy import text

    server, name = _server_engine(url)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def _migrations() -> str:
    return str(Path(__file__).resolve().parents[1] / "migrations")


@pytest.fixture(autouse=True)
def _no_app_context_left_pushed() -> Iterator[None]:
    """Fail the test that leaves an app context pushed, and pop it.

    A request pushed while an app context of the same app is active reuses it, so ``g``
    (the API's cached token user, Flask-Login's user) would carry from one request to the
    next in every later test of the worker: an anonymous call would answer as someone.
    """
    before = _cv_app.get(None)
    yield
    leaked = 0
    while (current := _cv_app.get(None)) is not None and current is not before:
        current.pop()
        leaked += 1
    if leaked:
        pytest.fail(f"the test left {leaked} app context(s) pushed")


@pytest.fixture(autouse=True)
def _dispose_engines_after_each_test() -> Iterator[None]:
    """Close the pooled connections of every engine a test used.

    A test that builds its own app and drops it leaves the pool to the garbage collector,
    and psycopg then warns (an error here) in whichever later test the collection runs.
    """
    used: weakref.WeakSet[Engine] = weakref.WeakSet()

    def remember(connection: Connection) -> None:
        used.add(connection.engine)

    event.listen(Engine, "engine_connect", remember)
    try:
        yield
    finally:
        event.remove(Engine, "engine_connect", remember)
        for engine in list(used):
            engine.dispose()


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Config for this test's app; override the fixture to change it."""
    return {}


@pytest.fixture(scope="session")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the run's apps store uploads: a temporary folder, never the instance folder."""
    return str(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def shared_app(database_url: str, media_root: str) -> Flask:
    """The run's app, for every test that needs no config of its own."""
    return create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "MEDIA_ROOT": media_root}
    )


def _reset_between_tests(application: Flask) -> None:
    from folio.accounts import rules as accounts
    from folio.core import totals
    from folio.extensions import cache, limiter

    application.extensions.pop("folio_outbox", None)
    application.extensions.pop("folio_cards", None)  # cards drawn under another config
    # One Limiter instance serves every app, and an app a test built with limits on
    # switched it on: put this app's setting back.
    limiter.enabled = bool(application.config.get("RATELIMIT_ENABLED", True))
    with application.app_context():
        cache.clear()
        if limiter.enabled:
            limiter.reset()
    totals.configure(float(application.config["LIST_TOTALS_TTL"]))
    accounts.configure_password_hashing(application.config.get("PASSWORD_HASH_METHOD"))


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    database_url: str,
    media_root: str,
    app_overrides: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    """The app, whose every session joins one transaction rolled back after the test."""
    saved_config: dict[str, Any] | None = None
    if app_overrides or request.node.get_closest_marker("fresh_app"):
        uri = {"SQLALCHEMY_DATABASE_URI": database_url, "MEDIA_ROOT": media_root}
        application = create_app("testing", {**uri, **app_overrides})
    else:
        application = request.getfixturevalue("shared_app")
        saved_config = dict(application.config)
        _reset_between_tests(application)
    with application.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()
        # Flask-SQLAlchemy 3 picks the bind from db.engines; point it at our connection.
        monkeypatch.setitem(db.engines, None, connection)
    # Commits in views then release a savepoint instead of ending the outer transaction.
    monkeypatch.setitem(db.session.session_factory.kw, "join_transaction_mode", "create_savepoint")
    application.extensions["folio_test_connection"] = connection
    yield application
    with application.app_context():
        db.session.remove()
    outer.rollback()
    connection.close()
    engine.dispose()
    if saved_config is not None:
        _restore_config(application, saved_config)


def _restore_config(application: Flask, saved: dict[str, Any]) -> None:
    application.config.clear()
    application.config.update(saved)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The app's session inside an app context, for service and model tests."""
    with app.app_context():
        yield db.session()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Any:
    """``with count_queries() as counted:`` records the SQL statements run inside."""
    connection: Connection = app.extensions["folio_test_connection"]

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counter.statements.append(statement)

        event.listen(connection, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(connection, "before_cursor_execute", record)

    return counting
