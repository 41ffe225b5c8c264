"""Engine settings per backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set while a unit of work runs: a transaction begun then is going to write.
_WRITING: ContextVar[bool] = ContextVar("folio.database.writing", default=False)
# On a connection whose transaction began deferred: SQLite's change count at BEGIN.
_DEFERRED_AT = "folio.deferred_at_changes"


def configure_engine(engine: Engine) -> None:
    """SQLite: foreign keys on, WAL, a busy timeout, and real transactions.

    pysqlite begins transactions lazily and breaks SAVEPOINT; taking over BEGIN makes
    nested transactions (used by the tests' per-test rollback) work as documented.
    """
    if engine.dialect.name != "sqlite":
        return
    timeout_ms = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A request that may write takes the write lock when it begins. A deferred
        # transaction that reads and then writes fails at once with "database is locked"
        # when another worker wrote in between (the busy timeout does not apply to that
        # upgrade): half the writes of two workers failed so (bench/README.md).
        # A unit of work outside a request (command, task, after-response work) does
        # the same: it waits for the busy timeout instead of failing.
        if _WRITING.get() or (has_request_context() and request.method not in _READ_METHODS):
            connection.info.pop(_DEFERRED_AT, None)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.info[_DEFERRED_AT] = connection.connection.driver_connection.total_changes
            connection.exec_driver_sql("BEGIN")


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """Transactions begun in the block take SQLite's write lock at BEGIN.

    A transaction the session already holds that began deferred and has only read (a
    command that looks a user up before its unit of work) is ended first, since SQLite
    cannot upgrade a read snapshot another connection has written past; the session then
    begins again, immediate. Objects stay loaded (``expire_on_commit`` is off).
    """
    token = _WRITING.set(True)
    try:
        _end_read_only_transaction(session)
        yield
    finally:
        _WRITING.reset(token)


def _end_read_only_transaction(session: Session) -> None:
    transaction = session.get_transaction()
    if transaction is None or session.new or session.dirty or session.deleted:
        return
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return  # or joined a transaction someone else owns (the tests' per-test rollback)
    connection = session.connection()
    changes_at_begin = connection.info.get(_DEFERRED_AT)
    if changes_at_begin is None:
        return
    driver: Any = connection.connection.driver_connection
    if driver.total_changes == changes_at_begin:  # it has only read: nothing to lose
        session.commit()
