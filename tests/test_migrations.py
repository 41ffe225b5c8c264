"""The migrations build the schema the models describe, on the run's database."""

from __future__ import annotations

from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import check

from folio import create_app
from folio.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    # `flask db check`: exits non-zero when autogenerate would write a new migration.
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        check(directory=MIGRATIONS)


def test_the_database_is_at_the_single_head(database_url: str) -> None:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    script = ScriptDirectory(MIGRATIONS)
    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert script.get_heads() == [current]
