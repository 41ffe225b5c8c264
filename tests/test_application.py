"""FolioFlask: Flask with per-request work it can remember (issue 21), same behaviour."""

from __future__ import annotations

import asyncio

import pytest
from flask import session

from folio.application import FolioFlask


def _app() -> FolioFlask:
    app = FolioFlask(__name__)
    app.secret_key = "the-first-secret-key-of-this-test-0000"

    @app.get("/set")
    def set_value() -> str:
        session["who"] = "ada"
        return "set"

    @app.get("/get")
    def get_value() -> str:
        return str(session.get("who"))

    @app.get("/async")
    async def asynchronous() -> str:
        await asyncio.sleep(0)
        return "awaited"

    return app


def test_a_session_cookie_is_read_back_until_the_key_changes_then_kept_by_a_fallback() -> None:
    app = _app()
    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "ada"
    old = app.secret_key
    app.secret_key = "a-rotated-secret-key-of-this-test-0000"
    assert client.get("/get").text == "None"  # the remembered serializer follows the key
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert client.get("/get").text == "ada"


def test_coroutines_are_still_told_apart_from_plain_functions() -> None:
    """A plain hook is called as it is; an ``async def`` view still goes to Flask's
    async support (not installed here, so Flask says so) every time, not only once."""
    app = _app()
    plain = app.view_functions["get_value"]
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain
    for _ in range(2):
        with pytest.raises(RuntimeError, match="async"):
            app.ensure_sync(app.view_functions["asynchronous"])
