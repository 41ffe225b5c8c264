"""Production hardening, each item with the behaviour a user (or attacker) would see."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from folio.extensions import db, mail
from folio.models import User
from tests.conftest import TEST_PASSWORD
from tests.factories import ArticleFactory, UserFactory
from tests.production.conftest import PROD_SECRET, VIA_PROXY, ProxiedClient

OLD_SECRET = "the-retired-secret-key-that-signed-yesterdays-cookies"  # noqa: S105


_names = itertools.count()


def add_user(app: Flask, **fields) -> User:
    with app.app_context():
        name = f"prod{next(_names)}"
        user = UserFactory(username=name, email=f"{name}@example.com", **fields)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def sign_in(client: FlaskClient, user: User, **extra) -> object:
    data = {"email": user.email, "password": TEST_PASSWORD, **extra}
    return client.post("/auth/login", data=data)


def client_for(app: Flask) -> FlaskClient:
    app.test_client_class = ProxiedClient
    return app.test_client()


# --- headers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/api/health", "/no-such-page", "/api/v1/no-such-thing", "/api/no-such-thing"],
)
def test_every_response_carries_the_security_headers(proxied: FlaskClient, path: str) -> None:
    response = proxied.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_forced_exception_is_a_generic_500_with_the_headers(prod_app: Flask) -> None:
    @prod_app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @prod_app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals: password=hunter2")

    client = client_for(prod_app)
    page = client.get("/boom")
    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.get_json()["errors"] == {"server": ["had an unexpected error"]}
    for response in (page, api):
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
        assert "hunter2" not in body
        assert "RuntimeError" not in body
        assert "Content-Security-Policy" in response.headers


def test_hsts_only_when_the_request_came_over_https(prod_app: Flask) -> None:
    plain = prod_app.test_client().get("/api/health", base_url="http://folio.example")
    assert "Strict-Transport-Security" not in plain.headers


# --- cookies ------------------------------------------------------------------------


def _set_cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_production_cookies_are_host_only_secure_httponly_lax(prod_app: Flask) -> None:
    user = add_user(prod_app)
    response = sign_in(client_for(prod_app), user, remember="y")
    assert response.status_code == 302
    cookies = _set_cookies(response)
    for name in ("__Host-session", "__Host-remember"):
        header = cookies[name]
        assert "Secure" in header
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert "Domain=" not in header
    assert prod_app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert "Expires=" in cookies["__Host-remember"]


# --- proxy, hosts -------------------------------------------------------------------


def test_forwarded_proto_https_makes_the_request_secure(prod_app: Flask) -> None:
    @prod_app.get("/whoami")
    def whoami():
        from flask import request, url_for

        return {
            "secure": request.is_secure,
            "addr": request.remote_addr,
            "url": url_for("health.health", _external=True),
        }

    client = prod_app.test_client()
    seen = client.get(
        "/whoami",
        base_url="http://folio.example",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6, 203.0.113.7"},
    ).get_json()
    # One hop trusted: the address the proxy saw, not what the client claimed before it.
    assert seen == {
        "secure": True,
        "addr": "203.0.113.7",
        "url": "https://folio.example/api/health",
    }


def test_a_forged_host_is_refused(proxied: FlaskClient) -> None:
    response = proxied.get("/auth/reset", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_reset_links_use_the_public_address_not_the_host_header(prod_app: Flask) -> None:
    user = add_user(prod_app)
    client = client_for(prod_app)
    # localhost is trusted (health checks) but the mailed link still names the public site.
    with mail.record_messages() as sent:
        client.post("/auth/reset", data={"email": user.email}, headers={"Host": "localhost"})
    (message,) = [m for m in sent if m.recipients == [user.email]]
    assert "https://folio.example/auth/reset/" in message.body
    assert "localhost" not in message.body


# --- rate limits --------------------------------------------------------------------


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_sign_in_is_limited_per_client_even_with_a_forged_forwarded_for(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RATELIMIT_SIGNIN="3 per minute", RATELIMIT_SIGNIN_ACCOUNT="100 per minute")
    client = client_for(app)
    statuses = []
    for n in range(5):
        # The attacker varies what it claims; the proxy appends the address it saw.
        forged = {"X-Forwarded-For": f"10.0.0.{n}, 198.51.100.9"}
        response = client.post(
            "/auth/login",
            data={"email": f"x{n}@example.com", "password": "nope"},
            headers=forged,
        )
        statuses.append(response.status_code)
    assert statuses[:3] != [429] * 3
    assert statuses[3:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0
    # Another client is not affected.
    other = client.post(
        "/auth/login",
        data={"email": "y@example.com", "password": "nope"},
        headers=_from("198.51.100.10"),
    )
    assert other.status_code != 429


def test_sign_in_is_limited_per_account_across_addresses_without_locking_the_owner_out(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RATELIMIT_SIGNIN="100 per minute", RATELIMIT_SIGNIN_ACCOUNT="3 per minute")
    owner = add_user(app)
    owner_browser = client_for(app)
    assert sign_in(owner_browser, owner).status_code == 302  # a known device from now on
    owner_browser.post("/auth/logout")

    attacker = client_for(app)
    statuses = [
        attacker.post(
            "/auth/login",
            data={"email": owner.email, "password": f"guess{n}"},
            headers=_from(f"192.0.2.{n}"),
        ).status_code
        for n in range(5)
    ]
    assert statuses[-1] == 429
    assert 429 not in statuses[:3]
    # Even the right password from a new device waits: guessing it is what is limited.
    late = attacker.post(
        "/auth/login",
        data={"email": owner.email, "password": TEST_PASSWORD},
        headers=_from("192.0.2.99"),
    )
    assert late.status_code == 429
    assert "Retry-After" in late.headers
    # The owner's own browser still gets in.
    assert sign_in(owner_browser, owner).status_code == 302


def test_guesses_through_every_sign_in_count_against_the_account_together(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RATELIMIT_SIGNIN="100 per minute", RATELIMIT_SIGNIN_ACCOUNT="2 per minute")
    owner = add_user(app)
    client = client_for(app)
    page = client.post(
        "/auth/login",
        data={"email": owner.email, "password": "guess-1"},
        headers=_from("192.0.2.1"),
    )
    realworld = client.post(
        "/api/users/login",
        json={"user": {"email": owner.email, "password": "guess-2"}},
        headers=_from("192.0.2.2"),
    )
    third = client.post(
        "/auth/login",
        data={"email": owner.email, "password": "guess-3"},
        headers=_from("192.0.2.3"),
    )
    assert page.status_code == 401
    assert realworld.status_code in (401, 403, 422)
    assert third.status_code == 429


def test_successful_sign_ins_do_not_use_up_the_account_budget(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RATELIMIT_SIGNIN="100 per minute", RATELIMIT_SIGNIN_ACCOUNT="2 per minute")
    user = add_user(app)
    for _ in range(4):
        client = client_for(app)  # a fresh browser each time: no known-device cookie
        assert sign_in(client, user).status_code == 302


def test_password_reset_is_limited_per_account(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_RESET="100 per minute", RATELIMIT_RESET_ACCOUNT="2 per minute")
    user = add_user(app)
    client = client_for(app)
    with mail.record_messages() as sent:
        statuses = [
            client.post(
                "/auth/reset", data={"email": user.email.upper()}, headers=_from(f"192.0.2.{n}")
            ).status_code
            for n in range(3)
        ]
    assert statuses == [302, 302, 429]
    assert [m.recipients for m in sent] == [[user.email]] * 2


def test_registration_is_limited_per_client_and_per_account(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(RATELIMIT_REGISTER="2 per minute", RATELIMIT_REGISTER_ACCOUNT="3 per minute")
    client = client_for(app)
    body = {"user": {"username": "u", "email": "bad", "password": "p"}}
    statuses = [client.post("/api/users", json=body).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    # The same address from ever new client addresses: the account's own limit.
    statuses = [
        client.post(
            "/auth/register",
            data={"username": f"taken{n}", "email": "Same@Example.com", "password": "p"},
            headers=_from(f"192.0.2.{n}"),
        ).status_code
        for n in range(4)
    ]
    assert 429 not in statuses[:3]
    assert statuses[3] == 429


def test_token_creation_is_limited_per_account(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_TOKENS="100 per minute", RATELIMIT_TOKENS_ACCOUNT="2 per minute")
    user = add_user(app)
    client = client_for(app)
    statuses = [
        client.post(
            "/api/v1/auth/tokens",
            json={"email": user.email, "password": "wrong-guess"},
            headers=_from(f"192.0.2.{n}"),
        ).status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429]


def test_commenting_is_limited_per_account(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_COMMENT="100 per minute", RATELIMIT_COMMENT_ACCOUNT="2 per minute")
    user = add_user(app)
    with app.app_context():
        slug = ArticleFactory().slug
        db.session.commit()
    client = client_for(app)
    assert sign_in(client, user).status_code == 302
    statuses = [
        client.post(
            f"/articles/{slug}/comments",
            data={"body": f"Comment {n}"},
            headers=_from(f"192.0.2.{n}"),
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429
    assert 429 not in statuses[:2]


# --- sizes ----------------------------------------------------------------------------


def test_a_body_over_max_content_length_is_413(proxied: FlaskClient, prod_app: Flask) -> None:
    too_big = "x" * (prod_app.config["MAX_CONTENT_LENGTH"] + 1)
    assert (
        proxied.post(
            "/api/v1/auth/tokens", data=too_big, content_type="application/json"
        ).status_code
        == 413
    )
    assert proxied.post("/auth/login", data={"email": too_big}).status_code == 413


def test_only_the_editor_takes_a_long_form_field(make_app: Callable[..., Flask]) -> None:
    # Flask's per-field default is 500 kB; a smaller one keeps this test's bodies in memory.
    app = make_app(MAX_FORM_MEMORY_SIZE=100_000)
    user = add_user(app)
    client = client_for(app)
    assert sign_in(client, user).status_code == 302
    long_body = "word " * 40_000  # 200 kB
    # The per-field limit applies to multipart forms (urlencoded bodies are bounded by
    # MAX_CONTENT_LENGTH as a whole).
    article = client.post(
        "/articles/new",
        data={"title": "A long one", "description": "Long", "body": long_body, "tags": ""},
        content_type="multipart/form-data",
    )
    assert article.status_code in (200, 302)
    settings = client.post("/settings", data={"bio": long_body}, content_type="multipart/form-data")
    assert settings.status_code == 413


# --- key rotation -----------------------------------------------------------------------


def test_a_session_signed_with_the_previous_key_stays_valid(
    make_app: Callable[..., Flask],
) -> None:
    old = make_app(SECRET_KEY=OLD_SECRET)
    user = add_user(old)
    browser = client_for(old)
    assert sign_in(browser, user).status_code == 302
    cookie = browser.get_cookie("__Host-session", domain="folio.example")
    assert cookie is not None

    rotated = make_app(SECRET_KEY=PROD_SECRET, SECRET_KEY_FALLBACKS=[OLD_SECRET])
    later = client_for(rotated)
    later.set_cookie("__Host-session", cookie.value, domain="folio.example")
    assert later.get("/settings").status_code == 200
    # Without the fallback the old cookie is just ignored: signed out, not an error.
    unrotated = make_app(SECRET_KEY=PROD_SECRET)
    stranger = client_for(unrotated)
    stranger.set_cookie("__Host-session", cookie.value, domain="folio.example")
    assert stranger.get("/settings").status_code == 302


def test_a_jwt_signed_with_the_previous_key_stays_valid(make_app: Callable[..., Flask]) -> None:
    old = make_app(JWT_SECRET_KEY="the-retired-jwt-signing-key-000000000000")
    user = add_user(old)
    token = (
        client_for(old)
        .post("/api/v1/auth/tokens", json={"email": user.email, "password": TEST_PASSWORD})
        .get_json()["access_token"]
    )
    auth = {"Authorization": f"Bearer {token}"}

    rotated = make_app(
        JWT_SECRET_KEY="the-new-jwt-signing-key-1111111111111111",
        JWT_SECRET_KEY_FALLBACKS=["the-retired-jwt-signing-key-000000000000"],
    )
    assert client_for(rotated).get("/api/v1/me", headers=auth).status_code == 200
    unrotated = make_app(JWT_SECRET_KEY="the-new-jwt-signing-key-1111111111111111")
    assert client_for(unrotated).get("/api/v1/me", headers=auth).status_code == 401


# --- debug ----------------------------------------------------------------------------


def test_debug_switched_on_after_start_still_serves_no_debugger(prod_app: Flask) -> None:
    @prod_app.get("/boom-debug")
    def boom():
        raise RuntimeError("would show a traceback in the debugger")

    prod_app.debug = True
    response = client_for(prod_app).get("/boom-debug")
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)


# --- logs -------------------------------------------------------------------------------


def test_logs_are_json_with_request_id_user_and_client_but_no_secrets(
    make_app: Callable[..., Flask], capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(LOG_JSON=True)
    user = add_user(app)
    client = client_for(app)
    capsys.readouterr()
    sign_in(client, user, remember="y")
    client.get("/settings", headers={"X-Request-ID": "req-abc-123"})
    client.get("/auth/reset/SECRET-RESET-TOKEN-VALUE")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    requests = [line for line in lines if line["message"] == "request"]
    settings = next(line for line in requests if line["path"] == "/settings")
    assert settings["request_id"] == "req-abc-123"
    assert settings["user_id"] == user.id
    assert settings["remote_addr"] == "203.0.113.7"
    assert settings["status"] == 200
    text = json.dumps(lines)
    assert TEST_PASSWORD not in text
    assert "SECRET-RESET-TOKEN-VALUE" not in text
    assert "__Host-session" not in text
    assert "session=" not in text


# --- CSRF -------------------------------------------------------------------------------


def test_pages_need_a_csrf_token_and_the_token_apis_do_not(make_app: Callable[..., Flask]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    user = add_user(app)
    client = client_for(app)
    form = client.post("/auth/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert form.status_code == 400
    credentials = {"email": user.email, "password": "not the password"}
    assert client.post("/api/v1/auth/tokens", json=credentials).status_code == 401
    assert client.post("/api/users/login", json={"user": credentials}).status_code in (401, 403)


def test_database_errors_in_the_log_carry_no_values(prod_app: Flask) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with prod_app.app_context():
        assert prod_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
        with pytest.raises(DBAPIError) as caught:
            db.session.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": "s3cr3t"})
        db.session.rollback()
    assert "s3cr3t" not in str(caught.value)


def test_a_cached_page_is_logged_like_any_other(
    make_app: Callable[..., Flask], capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(LOG_JSON=True, PUBLIC_CACHE=True)
    client = app.test_client()
    client.get("/", headers=VIA_PROXY)
    capsys.readouterr()
    hit = client.get("/", headers={**VIA_PROXY, "X-Forwarded-For": "198.51.100.9"})
    assert hit.headers["X-Folio-Cache"] == "hit"
    assert hit.headers["Strict-Transport-Security"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    (line,) = [line for line in lines if line["message"] == "request"]
    assert line["request_id"] == hit.headers["X-Request-ID"]
    assert line["remote_addr"] == "198.51.100.9"
    assert (line["method"], line["path"], line["status"], line["user_id"]) == (
        "GET",
        "/",
        200,
        None,
    )
