"""Security helpers shared by every face: redirect targets, headers, password policy."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

log = logging.getLogger(__name__)

# Control characters and backslashes make browsers read a path as a host:
# "/\evil.com" and "/%09/evil.com" both land on evil.com.
F = TypeVar("F", bound=Callable[..., Any])

_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next_url(target: str | None, fallback: str = "/") -> str:
    """``target`` if it is a path on this site, else ``fallback``.

    Only a single leading slash followed by a path is accepted: no scheme, no host, no
    protocol-relative ``//``, no backslashes or control characters (encoded or not).
    """
    if not target:
        return fallback
    decoded = unquote(target)
    for candidate in (target, decoded):
        if _UNSAFE_CHARS.search(candidate):
            return fallback
        if not candidate.startswith("/") or candidate.startswith("//"):
            return fallback
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return fallback
    return target


def rate_limit(
    name: str,
    account: Callable[[], str | None] | None = None,
    methods: list[str] | None = None,
) -> Callable[[F], F]:
    """Apply the named limits to a view: per client, and per account where there is one.

    ``account`` returns the email the view itself will authenticate, read exactly as the
    view reads it (same body, same field, whatever the Content-Type): the sign-in views
    pass one, so no decoy field or unusual Content-Type can move guesses to another key.
    Without it the account is guessed from the usual fields (:func:`request_account`).

    ``RATELIMIT_<name>`` counts requests per client address (as ProxyFix resolved it, so
    a forged ``X-Forwarded-For`` cannot pick a fresh address). ``RATELIMIT_<name>_ACCOUNT``
    counts per account: the email or username the request names (sign-in, registration,
    reset, token creation) or the signed-in user (commenting), so spreading guesses over
    many addresses does not help either. Failed sign-ins alone count against an account,
    and a browser that signed in to the account before carries a "known device" cookie
    that the account limit lets through: an attack on an account does not lock its owner
    out. Both answer 429 with ``Retry-After``. ``methods`` limits only those methods of a
    view that also answers others (the editor's GET is free, its POST counts).
    """
    from folio.extensions import limiter

    per_client = limiter.limit(
        lambda: str(current_app.config[f"RATELIMIT_{name}"]), methods=methods
    )
    account_limit = f"RATELIMIT_{name}_ACCOUNT"
    # Shared by every view with this name: guesses at the pages' sign-in and at the
    # RealWorld login count against the account together.
    failures_only = name in _FAILURES_ONLY

    def key() -> str | None:
        return _account(account, with_password_epoch=failures_only)

    per_account = limiter.shared_limit(
        lambda: str(current_app.config[account_limit]),
        scope=f"account:{name}",
        key_func=lambda: key() or "-",
        exempt_when=lambda: _account_exempt(account_limit, key()),
        deduct_when=_failed if failures_only else None,
        methods=methods,
    )

    def decorate(view: F) -> F:
        limited = per_client(per_account(view))
        if name in _TAKEN_ANSWERS:
            limited = _taken_answers_limit(name)(limited)
        return limited  # type: ignore[return-value]

    return decorate


def _taken_answers_limit(name: str) -> Callable[[F], F]:
    # "has already been taken" tells whether an address has an account (the RealWorld
    # contract needs the answer): those answers get a tighter budget per client, shared
    # by every face. Other answers (a new account, a bad field) do not count.
    from folio.extensions import limiter

    taken_limit = f"RATELIMIT_{name}_TAKEN"
    return limiter.shared_limit(  # type: ignore[return-value]
        lambda: str(current_app.config.get(taken_limit) or _UNLIMITED),
        scope=f"taken:{name}",
        exempt_when=lambda: not current_app.config.get(taken_limit),
        deduct_when=lambda response: response.status_code == 409,
    )


# Registration answers "taken" with a 409, which says an account exists.
_TAKEN_ANSWERS = frozenset({"REGISTER"})
# Parsed even when the limit is off (exempt_when runs later): any valid string does.
_UNLIMITED = "1 per second"
# Only failures count per account here: the owner signing in never uses up the budget.
_FAILURES_ONLY = frozenset({"SIGNIN", "TOKENS"})
_ACCOUNT_FIELDS = ("email", "username", "login")
DEVICE_COOKIE = "folio_device"
_DEVICE_SALT = "folio.known-device"
_DEVICE_MAX_AGE = 180 * 24 * 3600
_DEVICE_MAX_ACCOUNTS = 5


def _failed(response: Response) -> bool:
    return response.status_code >= 400


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def request_account() -> str | None:
    """The account this request acts for or names, as an opaque key (or None)."""
    from flask_login import current_user

    from folio.auth.tokens import bearer_token, verified_claims

    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    for scheme in ("Bearer", "Token"):
        try:
            token = bearer_token(scheme)
        except Exception:  # noqa: S112 - another face's header shape; try the next
            continue
        if token:
            try:
                return f"user:{verified_claims(token)['sub']}"
            except Exception:  # an invalid token: the view answers 401
                return None
    sources: list[Any] = [request.form]
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            sources += [data, data.get("user")]
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        for field in _ACCOUNT_FIELDS:
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return f"name:{_digest(value)}"
    return None


def _account(
    extract: Callable[[], str | None] | None, *, with_password_epoch: bool = False
) -> str | None:
    if "rate_limit_account" not in g:
        if extract is None:
            account = request_account()
        else:
            value = extract()
            account = None
            if isinstance(value, str) and value.strip():
                account = f"name:{_digest(value)}"
                if with_password_epoch:
                    # A new password (a reset) starts a new count: guesses against the old
                    # one cannot keep the owner out once they have reset it.
                    account += f"@{_password_epoch(value)}"
        g.rate_limit_account = account
    return g.rate_limit_account


def _password_epoch(email: str) -> str:
    from sqlalchemy import select

    from folio.extensions import db
    from folio.models import User

    changed = db.session.scalar(
        select(User.password_changed_at).where(User.email == email.strip().lower())
    )
    return hashlib.sha256(str(changed).encode()).hexdigest()[:12] if changed else "-"


def _account_exempt(limit_key: str, account: str | None) -> bool:
    if not current_app.config.get(limit_key):
        return True
    if account is None:
        return True
    return account.startswith("name:") and account[5:].split("@")[0] in _known_accounts()


def _device_serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*reversed(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt=_DEVICE_SALT)


def _device_cookie_name() -> str:
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE"))
    return f"__Host-{DEVICE_COOKIE}" if secure else DEVICE_COOKIE


def _known_accounts() -> list[str]:
    raw = request.cookies.get(_device_cookie_name())
    if not raw:
        return []
    try:
        value = _device_serializer().loads(raw, max_age=_DEVICE_MAX_AGE)
    except BadSignature:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _remember_device(_app: Flask, user: Any) -> None:
    # Flask-Login's user_logged_in signal: mark this browser as one the user signs in from.
    remember_device(user)


def remember_device(user: Any) -> None:
    """Mark this browser as the user's: the per-account sign-in limit lets it through.

    Signing in does it, and so does a password reset (the emailed link proves the
    mailbox), so an owner locked out by someone guessing gets back in from a new device.
    """
    g.known_device_accounts = [_digest(user.email), _digest(user.username)]


def _set_device_cookie(response: Response) -> Response:
    new = g.pop("known_device_accounts", None)
    if new:
        accounts = list(dict.fromkeys([*new, *_known_accounts()]))[: _DEVICE_MAX_ACCOUNTS * 2]
        response.set_cookie(
            _device_cookie_name(),
            _device_serializer().dumps(accounts),
            max_age=_DEVICE_MAX_AGE,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response


def refuse_common_passwords(face: str = "web") -> bool:
    """Whether this face refuses passwords from the common list (see config)."""
    if face == "realworld":
        return bool(current_app.config["REALWORLD_REFUSE_COMMON_PASSWORDS"])
    return bool(current_app.config["REFUSE_COMMON_PASSWORDS"])


# Images load from Folio and from the configured image storage only (issue 15): a
# picture on another site never makes readers' browsers call it.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{storage}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy() -> str:
    media = current_app.extensions.get("folio.media")
    origin = getattr(getattr(media, "storage", None), "origin", None)
    return CSP.format(storage=f" {origin}" if origin else "")


_SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


def add_security_headers(response: Response) -> Response:
    """The security headers a response has not set itself. One pass over its headers:
    ``Headers.setdefault`` searched them (and raised a KeyError inside) once per header."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    wanted = [("Content-Security-Policy", content_security_policy()), *_SECURITY_HEADERS]
    if app.config["FOLIO_ENV"] == "production" and request.is_secure:
        wanted.append(_HSTS)
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


# CORS for the JSON APIs (/api and /api/v1): browsers on the allowlisted origins may call
# them with a token in the Authorization header. Cookies are never accepted cross-origin
# (no credentials), so even a configured "*" cannot expose a signed-in session.
CORS_RESOURCES = r"/api/*"
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match"]
CORS_EXPOSE_HEADERS = ["ETag", "Link", "Retry-After", "X-Request-ID", "X-Folio-Token"]
CORS_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_MAX_AGE = 600


def _origin_pattern(origin: str) -> str | re.Pattern[str]:
    # Flask-Cors reads strings holding regex characters as prefix-matching regexes, so
    # "https://app.example" would also admit "https://app.example.evil". Match exactly.
    if origin == "*":
        return origin
    return re.compile(re.escape(origin.rstrip("/")) + r"\Z", re.IGNORECASE)


def register_cors(app: Flask) -> None:
    """Allow the origins in ``CORS_ORIGINS`` (none by default) to call /api/*."""
    from flask_cors import CORS

    origins = [_origin_pattern(o) for o in app.config.get("CORS_ORIGINS") or [] if o]
    CORS(
        app,
        resources={CORS_RESOURCES: {"origins": origins}},
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        methods=CORS_METHODS,
        max_age=CORS_MAX_AGE,
        supports_credentials=False,
        send_wildcard=False,
        # Without an Origin header, send nothing (not the whole allowlist).
        always_send=False,
        vary_header=True,
    )

    @app.after_request
    def _vary_on_origin(response: Response) -> Response:
        # Whether CORS headers are sent depends on Origin, even when they are not.
        if request.path.startswith("/api/"):
            response.vary.add("Origin")
        return response


def exempt_token_apis_from_csrf(app: Flask) -> None:
    """The JSON APIs under /api take a bearer token, never a cookie: no CSRF tokens there.

    Call after the blueprints are registered.
    """
    from folio.extensions import csrf

    for blueprint in app.blueprints.values():
        prefix = blueprint.url_prefix or ""
        if prefix == "/api" or prefix.startswith("/api/"):
            csrf.exempt(blueprint)


def _refuse_debug_in_production() -> Response | None:
    # The config refuses DEBUG at start; this catches a development server started with
    # debug on, or debug switched on later, answering before any debugger could show a
    # traceback.
    if current_app.debug:
        log.critical("debug mode is on in production: refusing to serve")
        return Response("Service unavailable", status=503, mimetype="text/plain")
    return None


_LIMITER_STATE = (
    ("limiter", "_meta_limits"),
    ("limiter", "_in_memory_fallback"),
    ("manager", "_application_limits"),
    ("manager", "_default_limits"),
    ("manager", "_blueprint_limits"),
    ("manager", "_endpoint_hints"),
)


def _limits_outside_views(limiter: Any, endpoint: str | None) -> bool:
    """Whether Flask-Limiter's pass before every request could find a limit for this
    endpoint (True too when its state cannot be read: another version).

    Folio's limits are all on views, checked by their decorators; the pass before the
    request applies only default, application, meta and blueprint limits, limits hinted
    for the endpoint, and in-memory fallback limits. Folio sets none of these, so the
    pass walked its whole resolution (13% of an empty request) to find nothing.
    """
    owners = {"limiter": limiter, "manager": getattr(limiter, "limit_manager", None)}
    parts = [getattr(owners[owner], name, None) for owner, name in _LIMITER_STATE]
    *limits, hints = parts
    if any(part is None for part in parts) or not isinstance(hints, dict):
        return True
    return any(limits) or bool(hints.get(endpoint or ""))


def _skip_empty_limit_pass(app: Flask) -> None:
    """Run Flask-Limiter's before-request pass only where it could find a limit."""
    from folio.extensions import limiter

    hooks = app.before_request_funcs.get(None, [])
    check = limiter._check_request_limit
    if check not in hooks:
        return

    def check_request_limit() -> None:
        if _limits_outside_views(limiter, request.endpoint):
            check()

    hooks[hooks.index(check)] = check_request_limit


def register_security(app: Flask) -> None:
    from flask_login import user_logged_in

    from folio.guards import register_input_guards

    register_input_guards(app)
    _skip_empty_limit_pass(app)
    app.after_request(add_security_headers)
    app.after_request(_set_device_cookie)
    user_logged_in.connect(_remember_device, app)
    if app.config["FOLIO_ENV"] == "production":
        app.before_request(_refuse_debug_in_production)
    register_cors(app)
    exempt_token_apis_from_csrf(app)


def apply_proxy_fix(app: Flask) -> None:
    """Trust ``PROXY_FIX_HOPS`` proxies' ``X-Forwarded-*``; the outermost WSGI layer."""
    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
