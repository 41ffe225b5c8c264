"""Alembic environment for Folio (through Flask-Migrate)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from folio.articles.search import is_search_object

config = context.config
if config.config_file_name:
    # Keep the application's loggers: tests and servers run migrations in-process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    return target_db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def include_name(name, type_, parent_names):
    # The full-text search objects are made by migrations from raw DDL; autogenerate
    # must neither drop them nor report them as drift.
    return not is_search_object(name)


def include_object(obj, name, type_, reflected, compare_to):
    return not is_search_object(name)


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        include_name=include_name,
        include_object=include_object,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("compare_type", True)
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    conf_args.setdefault("render_as_batch", True)
    with get_engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            include_name=include_name,
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
