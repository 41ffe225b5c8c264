"""Configuration profiles: defaults in code, the environment on top, production refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from folio import create_app
from folio.config import ConfigError, normalise_database_url

STRONG = "k" * 48


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "FOLIO_ENV", "JWT_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    # What production needs besides a secret; the tests about them take them away again.
    monkeypatch.setenv("PUBLIC_URL", "https://folio.example")
    monkeypatch.setenv("TRUSTED_HOSTS", "folio.example,localhost")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, "SECRET_KEY is not set"),
        ("short-secret", "SECRET_KEY is too weak"),
        ("change-me-in-production", "SECRET_KEY is too weak"),
        ("insecure-dev-key-do-not-use-in-production", "SECRET_KEY is too weak"),
    ],
)
def test_production_refuses_a_missing_short_or_default_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str | None, message: str
) -> None:
    if secret is not None:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match=message):
        create_app("production")


def test_production_starts_with_a_strong_secret_and_secure_cookies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert not app.debug


def test_production_refuses_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("FLASK_DEBUG", "true")
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        create_app("production")


def test_folio_env_selects_the_profile_and_unknown_ones_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOLIO_ENV", "testing")
    assert create_app().testing
    monkeypatch.setenv("FOLIO_ENV", "staging")
    with pytest.raises(ConfigError, match="FOLIO_ENV"):
        create_app()


def test_environment_and_flask_prefixed_keys_override_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_ARTICLES_PER_PAGE", "7")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    app = create_app("development")
    assert app.config["ARTICLES_PER_PAGE"] == 7
    assert app.config["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]


def test_overrides_win_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_ARTICLES_PER_PAGE", "7")
    app = create_app("development", {"ARTICLES_PER_PAGE": 3})
    assert app.config["ARTICLES_PER_PAGE"] == 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_as_users_write_them(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected


def test_postgres_gets_pool_pre_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/nowhere")
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_sqlite_default_lives_in_the_instance_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL")
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "sqlite:///" + str(Path(app.instance_path) / "folio.db")
    )


def test_sqlite_connections_have_foreign_keys_wal_and_a_busy_timeout() -> None:
    app = create_app("development")
    from folio.extensions import db

    with app.app_context(), db.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_the_jwt_key_is_not_the_session_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = create_app("production")
    assert app.config["JWT_SECRET_KEY"]
    assert app.config["JWT_SECRET_KEY"] != app.config["SECRET_KEY"]


def test_redis_url_switches_cache_limits_and_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    app = create_app("development")
    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/5"
    assert app.config["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/5"
    monkeypatch.delenv("REDIS_URL")
    app = create_app("development")
    assert app.config["CACHE_TYPE"] == "SimpleCache"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("missing", ["PUBLIC_URL", "TRUSTED_HOSTS"])
def test_production_refuses_to_start_without_its_public_address(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    # Without them a forged Host would choose where password-reset links point.
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=f"{missing} is not set"):
        create_app("production")


@pytest.mark.parametrize(
    "url", ["folio.example", "ftp://folio.example", "https://", "https://x/?a=1"]
)
def test_a_public_url_that_is_not_an_http_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("PUBLIC_URL", url)
    with pytest.raises(ConfigError, match="PUBLIC_URL"):
        create_app("production")


def test_development_and_testing_have_a_local_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_URL")
    assert create_app("development").config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert create_app("testing").config["PUBLIC_URL"] == "http://localhost"
    # Even an override that clears it leaves a configured address, never the request's.
    assert create_app("testing", {"PUBLIC_URL": None}).config["PUBLIC_URL"] == "http://localhost"
