"""On SQLite a unit of work outside a request takes the write lock when it begins: when
another connection is writing, it waits (busy timeout) instead of failing at once with
"database is locked" because its read snapshot cannot be upgraded."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from folio import create_app
from folio.core.uow import unit_of_work
from folio.extensions import db


@pytest.fixture
def file_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/locks.db"})
    with app.app_context():
        db.session.execute(text("CREATE TABLE notes (body TEXT NOT NULL)"))
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


class OtherWriter(threading.Thread):
    """A second connection (another worker) that holds the write lock for a moment."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.locked = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            other = sqlite3.connect(self.path, isolation_level=None, timeout=5)
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO notes (body) VALUES ('from the other worker')")
            self.locked.set()
            threading.Event().wait(0.3)
            other.execute("COMMIT")
            other.close()
        except BaseException as error:  # pragma: no cover - reported by the test
            self.error = error
            self.locked.set()


def _notes() -> int:
    return int(db.session.scalar(text("SELECT count(*) FROM notes")) or 0)


def _other_writer(app: Flask) -> OtherWriter:
    writer = OtherWriter(db.engine.url.database or "")
    writer.start()
    assert writer.locked.wait(5)
    return writer


def test_a_unit_of_work_that_reads_then_writes_waits_for_another_writer(
    file_app: Flask,
) -> None:
    writer = _other_writer(file_app)
    with unit_of_work() as uow:
        seen = _notes()  # a deferred transaction would keep this snapshot and fail below
        uow.session.execute(text("INSERT INTO notes (body) VALUES ('from the command')"))
    writer.join(5)
    assert writer.error is None
    assert seen == 1
    assert _notes() == 2


def test_a_read_before_the_unit_of_work_does_not_make_it_fail(file_app: Flask) -> None:
    before = _notes()  # the session begins (deferred) before the unit of work
    writer = _other_writer(file_app)
    with unit_of_work() as uow:
        uow.session.execute(text("INSERT INTO notes (body) VALUES ('from the command')"))
    writer.join(5)
    assert writer.error is None
    assert before == 0
    assert _notes() == 2
