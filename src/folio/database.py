"""Engine settings per backend."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import Engine, event

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
        if has_request_context() and request.method not in _READ_METHODS:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")
