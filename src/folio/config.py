"""Configuration profiles.

Defaults live here; the environment overrides them (``SECRET_KEY``, ``DATABASE_URL``,
``REDIS_URL`` and any key as ``FLASK_<KEY>``); tests pass ``overrides`` to the factory.
Nothing is read from the environment at import time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

# Secrets that ship in examples and tutorials; production refuses them.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "dev",
        "development",
        "secret",
        "changeme",
        "change-me",
        "change-me-in-production",
        "not-secret",
        "super-secret",
        "supersecret",
        "your-secret-key",
        "secret-key",
        "insecure-dev-key-do-not-use-in-production",
    }
)
MIN_SECRET_LENGTH = 32
DEV_SECRET = "insecure-dev-key-do-not-use-in-production"  # noqa: S105 - refused in production


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely; the message names the variable."""


class BaseConfig:
    SECRET_KEY: str | None = None
    SECRET_KEY_FALLBACKS: list[str] = []
    # A key of its own for JWTs; derived from SECRET_KEY when not set (see finalise()).
    JWT_SECRET_KEY: str | None = None
    JWT_SECRET_KEY_FALLBACKS: list[str] = []
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=15)
    JWT_REFRESH_TOKEN_EXPIRES = timedelta(days=30)
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_HEADER_TYPE = "Bearer"
    # RealWorld tokens live longer: its clients have no refresh flow.
    REALWORLD_TOKEN_EXPIRES = timedelta(days=7)

    # Outbound requests (core/outbound.py): remote images, webhooks, federation. Private
    # and loopback addresses only for tests and local development.
    OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    OUTBOUND_CONNECT_TIMEOUT = 5.0
    OUTBOUND_READ_TIMEOUT = 10.0
    OUTBOUND_TOTAL_TIMEOUT = 30.0
    OUTBOUND_MAX_BYTES = 5 * 1024 * 1024

    # How new passwords are hashed; None is Werkzeug's default (scrypt).
    PASSWORD_HASH_METHOD: str | None = None

    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_RECORD_QUERIES = False
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    REDIS_URL: str | None = None
    CELERY_BROKER_URL: str | None = None

    # Uploads are not taken; an article of 1 MB of Markdown plus form overhead fits.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    EDITOR_MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    # JSON bodies nested deeper are refused (400) before anything parses them: Python's
    # parser raises RecursionError near 1,000 levels. Folio's own bodies nest 3 deep.
    JSON_MAX_DEPTH = 64

    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)

    PASSWORD_RESET_MAX_AGE = 3600
    REFUSE_COMMON_PASSWORDS = True
    # The RealWorld contract (and its official suite) registers users with passwords such
    # as "password123"; its face keeps the length rule but not the common-password list.
    REALWORLD_REFUSE_COMMON_PASSWORDS = False

    CORS_ORIGINS: list[str] = []
    # The site's public address (https://folio.example.com): every link in an email is
    # built from it, never from a request's Host header. Production refuses to start
    # without it (and without TRUSTED_HOSTS); the other profiles have a local default.
    PUBLIC_URL: str | None = None
    # The interface language when neither the reader nor their browser names one Folio
    # speaks (en, de or es; folio.i18n), and the time zone dates are shown in to readers
    # who have not chosen one.
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    TRUSTED_HOSTS: list[str] | None = None
    PROXY_FIX_HOPS = 0

    CACHE_DEFAULT_TIMEOUT = 60
    # Public reads for anonymous visitors are cached, invalidated by every write
    # (folio.caching). None: on when REDIS_URL is set; without Redis each gunicorn worker
    # would keep its own cache, and one worker's write could not invalidate another's.
    PUBLIC_CACHE: bool | None = None
    # Each worker answers the public pages it served lately from memory for this many
    # seconds before asking Redis again: another instance's write shows to anonymous
    # readers here at most this late (a write through this process shows at once).
    PUBLIC_CACHE_LOCAL_SECONDS = 1.0
    PUBLIC_CACHE_LOCAL_MAX_BYTES = 16 * 1024 * 1024
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # When the limits' storage (Redis) is unreachable, each process keeps counting in its
    # own memory (the same limits, per process) until Redis answers again, rather than
    # failing the request; an error left over (e.g. counting a failed sign-in after the
    # response) is logged, not answered with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Named limits for the endpoints attackers hammer; every face applies the same ones
    # with folio.security.rate_limit("SIGNIN") etc. "per client" is the remote address.
    RATELIMIT_SIGNIN = "10 per minute;100 per hour"
    RATELIMIT_REGISTER = "5 per minute;50 per hour"
    RATELIMIT_RESET = "5 per minute;20 per hour"
    RATELIMIT_TOKENS = "10 per minute;100 per hour"
    RATELIMIT_COMMENT = "10 per minute;200 per hour"
    # Writing an article renders its Markdown: saves and previews cost CPU (issue 14).
    RATELIMIT_WRITE = "20 per minute;300 per hour"
    RATELIMIT_PREVIEW = "30 per minute;600 per hour"
    # The editor autosaves a few seconds after typing stops: a long session pauses often.
    RATELIMIT_AUTOSAVE = "40 per minute;1200 per hour"
    # Each upload is decoded and re-encoded: CPU and memory a stranger could spend.
    RATELIMIT_UPLOAD = "30 per minute;300 per hour"
    # The same, per account (see security.rate_limit): the email or username a request
    # names, or the signed-in user. Failed sign-ins alone count against an account.
    RATELIMIT_SIGNIN_ACCOUNT = "5 per minute;20 per hour"
    RATELIMIT_REGISTER_ACCOUNT = "5 per minute;20 per hour"
    RATELIMIT_RESET_ACCOUNT = "3 per 15 minutes;10 per day"
    RATELIMIT_TOKENS_ACCOUNT = "5 per minute;20 per hour"
    RATELIMIT_COMMENT_ACCOUNT = "10 per minute;200 per hour"
    # Per client, registrations answered "has already been taken" (409): each one tells
    # that an address or username has an account. Empty: no such limit.
    RATELIMIT_REGISTER_TAKEN = "10 per hour;30 per day"
    RATELIMIT_WRITE_ACCOUNT = "20 per minute;300 per hour"
    RATELIMIT_PREVIEW_ACCOUNT = "30 per minute;600 per hour"
    RATELIMIT_AUTOSAVE_ACCOUNT = "40 per minute;1200 per hour"
    RATELIMIT_UPLOAD_ACCOUNT = "30 per minute;300 per hour"
    # Opening a shared draft (/d/<token>): strangers guessing tokens meet this.
    RATELIMIT_DRAFT_LINK = "30 per minute;300 per hour"
    RATELIMIT_DRAFT_LINK_ACCOUNT = "60 per minute;600 per hour"
    # Scheduled publishing: how far ahead a date may be, and whether requests publish
    # what is due (throttled per process), so nothing extra must run on a small install.
    SCHEDULE_HORIZON_DAYS = 365
    SCHEDULE_ON_REQUEST = True
    SCHEDULE_CHECK_SECONDS = 15.0
    SCHEDULE_BEAT_SECONDS = 30.0

    # Article statistics (folio.stats): views are counted in Redis (STATS_REDIS_URL, by
    # default REDIS_URL) and rolled up into the tables every STATS_ROLLUP_SECONDS; without
    # Redis, straight into the tables. Redis keeps a day's counts STATS_REDIS_DAYS days
    # for the rollup; each article keeps its STATS_REFERRERS_KEPT top referrers a day.
    # False: article pages send no beacon and views are not counted (figures stay).
    STATS_ENABLED = True
    STATS_REDIS_URL: str | None = None
    STATS_KEY_PREFIX = "folio:stats:"
    STATS_REDIS_DAYS = 8
    STATS_ROLLUP_SECONDS = 300.0
    STATS_REFERRERS_KEPT = 50
    STATS_BEACON_MAX_BYTES = 2048
    # Beacons per client address: a reader opening many articles stays far below it (one
    # window: each one is a Redis round trip on every view).
    RATELIMIT_STATS_BEACON = "120 per minute"

    MAIL_DEFAULT_SENDER = "Folio <no-reply@localhost>"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    # Without an SMTP server, mail is written to the log (development, tests).
    MAIL_TO_LOG = True

    ARTICLES_PER_PAGE = 20
    # Seconds a list's total (articlesCount, total), and where a deep page starts, are
    # reused per process; 0 counts (and walks the OFFSET) every time. Counting 100,000
    # articles costs more than the page (bench/README.md).
    LIST_TOTALS_TTL = 10.0
    API_MAX_PAGE_SIZE = 100

    # flask-smorest / OpenAPI
    API_TITLE = "Folio API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"

    LOG_JSON = False

    # Images (folio.media). Uploads are refused before their pixels are decoded when they
    # exceed these; the stored original is scaled down to MEDIA_MAX_EDGE on its longest
    # side (as WordPress does at 2560), and variants are made at MEDIA_WIDTHS.
    MEDIA_MAX_BYTES = 20 * 1024 * 1024
    MEDIA_MAX_PIXELS = 50_000_000
    MEDIA_MAX_FRAMES = 200
    # Frames × pixels of an animation (each frame is decoded at full size).
    MEDIA_MAX_ANIMATION_PIXELS = 100_000_000
    MEDIA_MAX_EDGE = 2560
    MEDIA_WIDTHS = (480, 960, 1600)
    MEDIA_AVATAR_EDGE = 512
    MEDIA_AVATAR_WIDTHS = (64, 128, 256)
    # Bytes of stored originals per user; None: no quota.
    MEDIA_QUOTA_BYTES: int | None = 500 * 1024 * 1024
    # "local": files under MEDIA_ROOT (default: the instance folder's media/), served by
    # Folio. "s3": any S3-compatible store through boto3 (several instances need this).
    MEDIA_STORAGE = "local"
    MEDIA_ROOT: str | None = None
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None
    S3_REGION: str | None = None
    S3_ACCESS_KEY_ID: str | None = None
    S3_SECRET_ACCESS_KEY: str | None = None
    # Where browsers load the bucket's objects from (a CDN or the bucket's public
    # address); None: Folio redirects each image to a presigned URL instead.
    S3_PUBLIC_URL: str | None = None
    S3_PRESIGN_SECONDS = 3600
    S3_CONNECT_TIMEOUT = 5.0
    S3_READ_TIMEOUT = 30.0

    # Webhooks (folio.webhooks). Seconds before each retry: 8 attempts over about 2 days.
    WEBHOOK_RETRY_DELAYS = (60, 300, 1800, 7200, 21600, 43200, 86400)
    # Failed attempts in a row (any delivery) after which an endpoint is switched off.
    WEBHOOK_DISABLE_AFTER_FAILURES = 20
    # A claimed delivery is taken again after this long (its sender died mid-attempt).
    WEBHOOK_CLAIM_SECONDS = 120
    # After "Rotate secret" the old secret keeps signing (a second signature) this long.
    WEBHOOK_SECRET_OVERLAP_SECONDS = 24 * 3600
    WEBHOOK_MAX_ENDPOINTS = 20
    # Without a broker: requests hand due retries to the after-response sender.
    WEBHOOK_ON_REQUEST = True
    WEBHOOK_CHECK_SECONDS = 30.0
    WEBHOOK_BEAT_SECONDS = 30.0
    # Creating endpoints, test events and redeliveries each make Folio send requests.
    RATELIMIT_WEBHOOK = "20 per minute;200 per hour"
    RATELIMIT_WEBHOOK_ACCOUNT = "20 per minute;200 per hour"
    # Exports (folio.exports): how long an archive and its emailed link last, how often
    # the beat prunes expired ones, and how often one may ask (they are expensive).
    EXPORT_LINK_SECONDS = 7 * 24 * 3600
    EXPORT_PRUNE_SECONDS = 3600.0
    RATELIMIT_EXPORT = "5 per hour;20 per day"
    RATELIMIT_EXPORT_ACCOUNT = "5 per hour;20 per day"
    # The emailed download link works signed out: strangers guessing tokens meet this.
    RATELIMIT_EXPORT_LINK = "30 per minute;300 per hour"
    RATELIMIT_EXPORT_LINK_ACCOUNT = "60 per minute;600 per hour"
    # Imports (folio.imports): the largest file the import page takes, where uploaded
    # files wait between the dry run and the run (private; default: instance/imports),
    # and what a zip may unpack to (in total, and as a multiple of its compressed size).
    IMPORT_MAX_BYTES = 100 * 1024 * 1024
    IMPORT_ROOT: str | None = None
    IMPORT_MAX_UNPACKED_BYTES = 500 * 1024 * 1024
    IMPORT_MAX_RATIO = 100
    RATELIMIT_IMPORT = "10 per minute;60 per hour"
    RATELIMIT_IMPORT_ACCOUNT = "10 per minute;60 per hour"
    # Newsletter (folio.newsletter): confirmation links expire; articles go out in batches
    # at this rate; an import is capped in rows and bytes and handled by tasks in chunks.
    NEWSLETTER_CONFIRM_MAX_AGE = 3 * 24 * 3600
    NEWSLETTER_BATCH_SIZE = 50
    NEWSLETTER_RATE_PER_MINUTE = 600
    # A claim older than this whose worker never said how it went is given up (not resent).
    NEWSLETTER_STALE_CLAIM_SECONDS = 900
    NEWSLETTER_IMPORT_MAX_ROWS = 100_000
    NEWSLETTER_IMPORT_MAX_BYTES = 8 * 1024 * 1024
    NEWSLETTER_IMPORT_CHUNK = 1000
    # Subscribing: per client, and per address (each request may mail a confirmation).
    RATELIMIT_NEWSLETTER = "10 per minute;60 per hour"
    RATELIMIT_NEWSLETTER_ACCOUNT = "3 per hour;6 per day"
    # Federation (folio.federation, issue 18): every author an ActivityPub actor.
    FEDERATION_ENABLED = True
    # Loopback/private addresses over plain http: tests and local development only.
    FEDERATION_ALLOW_PRIVATE_ADDRESSES = False
    # Encrypts actors' private keys at rest; None: derived from SECRET_KEY (and the
    # fallbacks from SECRET_KEY_FALLBACKS, so a rotated SECRET_KEY still opens old keys).
    FEDERATION_KEY_SECRET: str | None = None
    FEDERATION_KEY_SECRET_FALLBACKS: list[str] = []
    FEDERATION_INBOX_MAX_BYTES = 256 * 1024
    # Per remote host (the signer's key id), for each inbox.
    RATELIMIT_FEDERATION_INBOX = "300 per minute;5000 per hour"
    # Following by handle and remote avatars make Folio fetch from other servers.
    RATELIMIT_FEDERATION_FOLLOW = "20 per minute;200 per hour"
    RATELIMIT_FEDERATION_FOLLOW_ACCOUNT = "20 per minute;200 per hour"
    RATELIMIT_FEDERATION_AVATAR = "120 per minute"
    FEDERATION_MAX_CLOCK_SKEW = 3600
    FEDERATION_ACTOR_CACHE_SECONDS = 24 * 3600
    # Deliveries: retried after BACKOFF * 2**attempts (at most MAX_BACKOFF) until they are
    # GIVE_UP_DAYS old; a host that failed that long is given up at once.
    FEDERATION_DELIVERY_BACKOFF_SECONDS = 60
    FEDERATION_DELIVERY_MAX_BACKOFF_SECONDS = 12 * 3600
    FEDERATION_DELIVERY_GIVE_UP_DAYS = 7
    FEDERATION_DELIVER_BEAT_SECONDS = 60.0
    # Without a broker, send fresh deliveries once the response has gone (False: leave
    # them all to the due-runner, `flask federation deliver-due`).
    FEDERATION_DELIVER_IMMEDIATELY = True
    # ...and retry what is due after a response, at most this often per process.
    FEDERATION_RETRY_CHECK_SECONDS = 60.0
    # Hold replies from the fediverse until the article's author approves them.
    FEDERATION_HOLD_REMOTE_COMMENTS = False
    FEDERATION_OUTBOX_PAGE_SIZE = 20


class DevelopmentConfig(BaseConfig):
    SECRET_KEY = DEV_SECRET
    PUBLIC_URL = "http://127.0.0.1:5000"  # where `flask run` listens
    CORS_ORIGINS = [
        "http://localhost:3000",
        "http://localhost:4200",
        "http://localhost:5173",
        "http://localhost:8080",
        "http://127.0.0.1:3000",
        "http://127.0.0.1:4200",
        "http://127.0.0.1:5173",
        "http://127.0.0.1:8080",
    ]


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing-secret-key-that-is-long-enough-000"  # noqa: S105 - tests only
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    CACHE_TYPE = "SimpleCache"
    PUBLIC_CACHE = False
    PUBLIC_CACHE_LOCAL_SECONDS = 0.0
    SERVER_NAME = None
    LIST_TOTALS_TTL = 0.0
    # Tests publish what is due by calling publish_due themselves, never by accident.
    SCHEDULE_ON_REQUEST = False
    WEBHOOK_ON_REQUEST = False
    # Cheap hashing for tests only: a few hundred sign-ins would cost a minute with scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, not a secret
    PUBLIC_URL = "http://localhost"  # the test client's host


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "__Host-remember"
    PREFERRED_URL_SCHEME = "https"
    MAIL_TO_LOG = False
    LOG_JSON = True
    PROXY_FIX_HOPS = 1
    # SQL errors name the statement but not its values (emails, hashes, tokens), so a
    # logged database error carries no personal data.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True}


PROFILES: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def normalise_database_url(url: str) -> str:
    """Point PostgreSQL URLs, as users write them, at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _derive_key(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def load_config(app: Flask, config_name: str | None, overrides: dict[str, Any] | None) -> str:
    """Fill ``app.config``: profile defaults, then the environment, then ``overrides``."""
    name = config_name or os.environ.get("FOLIO_ENV") or "development"
    if name not in PROFILES:
        raise ConfigError(f"FOLIO_ENV: unknown profile {name!r}; use one of {sorted(PROFILES)}")
    app.config.from_object(PROFILES[name])
    app.config["FOLIO_ENV"] = name

    env = os.environ
    if name != "testing":
        for key in ("SECRET_KEY", "JWT_SECRET_KEY", "REDIS_URL", "DATABASE_URL", "PUBLIC_URL"):
            if env.get(key):
                target = "SQLALCHEMY_DATABASE_URI" if key == "DATABASE_URL" else key
                app.config[target] = env[key]
        for key in ("SECRET_KEY_FALLBACKS", "JWT_SECRET_KEY_FALLBACKS", "CORS_ORIGINS"):
            if env.get(key):
                app.config[key] = _split_list(env[key])
        if env.get("TRUSTED_HOSTS"):
            app.config["TRUSTED_HOSTS"] = _split_list(env["TRUSTED_HOSTS"])
        # FLASK_<KEY>, values parsed as JSON where they are JSON (numbers, booleans, lists).
        app.config.from_prefixed_env("FLASK")
    if overrides:
        app.config.update(overrides)
    finalise(app)
    return name


def _require_public_address(config: Any) -> None:
    # Without them a forged Host header (or X-Forwarded-Host) would choose the host of the
    # links Folio mails, password-reset links included.
    if not config.get("PUBLIC_URL"):
        raise ConfigError(
            "PUBLIC_URL is not set: production needs the site's public address"
            " (https://folio.example.com); links in emails are built from it."
        )
    if not config.get("TRUSTED_HOSTS"):
        raise ConfigError(
            "TRUSTED_HOSTS is not set: production needs the host names it answers to"
            " (comma-separated, e.g. folio.example.com,localhost)."
        )


def _checked_public_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"PUBLIC_URL: {url!r} is not an http(s) address such as https://folio.example.com"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_URL: {url!r} must not have a query or fragment")
    return url.strip().rstrip("/")


def finalise(app: Flask) -> None:
    """Derive dependent settings and refuse configurations that are unsafe."""
    config = app.config
    if config["FOLIO_ENV"] == "production":
        secret = config.get("SECRET_KEY")
        if not secret:
            raise ConfigError("SECRET_KEY is not set: production needs a random secret key.")
        if len(secret) < MIN_SECRET_LENGTH or secret.lower() in KNOWN_DEFAULT_SECRETS:
            raise ConfigError(
                f"SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters"
                " (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if config.get("DEBUG"):
            raise ConfigError("FLASK_DEBUG: debug mode can never be on in production.")
        _require_public_address(config)
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = DEV_SECRET
    if not config.get("PUBLIC_URL"):
        # Only reached outside production: links in mail still never come from a request.
        config["PUBLIC_URL"] = PROFILES[config["FOLIO_ENV"]].PUBLIC_URL
    config["PUBLIC_URL"] = _checked_public_url(str(config["PUBLIC_URL"]))
    # A JWT key of its own: tokens signed with it cannot be replayed as session cookies
    # and the other way round, even when the operator sets only SECRET_KEY.
    if not config.get("JWT_SECRET_KEY"):
        config["JWT_SECRET_KEY"] = _derive_key(config["SECRET_KEY"], "folio.jwt")
        if not config.get("JWT_SECRET_KEY_FALLBACKS"):
            config["JWT_SECRET_KEY_FALLBACKS"] = [
                _derive_key(old, "folio.jwt") for old in config.get("SECRET_KEY_FALLBACKS", [])
            ]

    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "folio.db")
    uri = normalise_database_url(uri)
    config["SQLALCHEMY_DATABASE_URI"] = uri
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": config["SQLITE_BUSY_TIMEOUT_MS"] / 1000})
    else:
        options.setdefault("pool_pre_ping", True)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    redis_url = config.get("REDIS_URL")
    if config.get("PUBLIC_CACHE") is None:
        config["PUBLIC_CACHE"] = bool(redis_url)
    if redis_url:
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", redis_url)
        config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
        config["CELERY_BROKER_URL"] = config.get("CELERY_BROKER_URL") or redis_url
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")
        config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
