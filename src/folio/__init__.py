"""Folio: a self-hosted publishing platform on Flask.

``create_app()`` does all the wiring; importing any module of the package does nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build a Folio application.

    :param config_name: ``development`` (default, or ``FOLIO_ENV``), ``testing`` or
        ``production``.
    :param overrides: config keys applied last (tests use this).
    """
    from folio.application import FolioFlask
    from folio.config import load_config

    app = FolioFlask(__name__, instance_relative_config=True)
    load_config(app, config_name, overrides)
    register_logging(app)
    register_extensions(app)
    register_database(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_security(app)
    register_tasks(app)
    register_caching(app)
    register_cli(app)
    register_middleware(app)
    return app


def register_logging(app: Flask) -> None:
    from folio.logs import configure_logging

    configure_logging(app)


def register_extensions(app: Flask) -> None:
    from folio.auth.session import init_login
    from folio.auth.tokens import init_jwt
    from folio.extensions import cache, csrf, db, limiter, mail, migrate
    from folio.i18n.setup import init_i18n
    from folio.rate_windows import remember_hits

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_directory())
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    remember_hits(limiter)  # headers from the hit, not two more Redis reads
    mail.init_app(app)
    init_jwt(app)
    init_login(app)
    init_i18n(app)


def _migrations_directory() -> str:
    from pathlib import Path

    # The repository's migrations/ beside src/, wherever the command is run from.
    candidate = Path(__file__).resolve().parents[2] / "migrations"
    return str(candidate) if candidate.is_dir() else "migrations"


def register_database(app: Flask) -> None:
    from folio.database import configure_engine
    from folio.extensions import db

    with app.app_context():
        configure_engine(db.engine)
    from folio.accounts import rules as accounts
    from folio.core import totals

    totals.configure(float(app.config["LIST_TOTALS_TTL"]))
    accounts.configure_password_hashing(app.config.get("PASSWORD_HASH_METHOD"))


def register_blueprints(app: Flask) -> None:
    from folio.api import register_api
    from folio.auth.pages import bp as auth_bp
    from folio.health import bp as health_bp
    from folio.realworld import register_realworld
    from folio.web import bp as web_bp

    app.register_blueprint(health_bp)
    register_api(app)
    register_realworld(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(web_bp)


def register_error_handlers(app: Flask) -> None:
    from folio.errors import register_error_handlers as register

    register(app)


def register_security(app: Flask) -> None:
    from folio.security import register_security as register

    register(app)


def register_tasks(app: Flask) -> None:
    from folio.articles.schedule_runner import init_scheduling
    from folio.exports.runner import init_exports
    from folio.federation.tasks import init_federation
    from folio.media.uploads import init_media
    from folio.newsletter.delivery import init_newsletter
    from folio.notifications import init_notifications
    from folio.stats.runner import init_stats
    from folio.tasks import init_celery
    from folio.webhooks.runner import init_webhooks

    init_celery(app)
    init_notifications(app)
    init_media(app)
    init_scheduling(app)
    init_webhooks(app)
    init_exports(app)
    from folio.imports.jobs import init_imports

    init_imports(app)
    init_stats(app)
    init_newsletter(app)
    init_federation(app)


def register_caching(app: Flask) -> None:
    from folio.caching import init_caching

    init_caching(app)


def register_middleware(app: Flask) -> None:
    # Last, so ProxyFix wraps everything: the public cache below it sees the real scheme,
    # host and client address.
    from folio.security import apply_proxy_fix

    apply_proxy_fix(app)


def register_cli(app: Flask) -> None:
    from folio.cli import register_commands

    register_commands(app)
