"""Flask-Limiter's pass before each request is skipped only where it could find nothing."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from folio.security import _limits_outside_views


def _limiter(**options: object) -> tuple[Flask, Limiter]:
    app = Flask(__name__)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", **options)  # type: ignore[arg-type]

    @app.get("/view")
    @limiter.limit("1 per minute")
    def view() -> str:
        return "ok"

    return app, limiter


def test_limits_on_views_alone_leave_nothing_for_the_pass() -> None:
    _app, limiter = _limiter()
    assert not _limits_outside_views(limiter, "view")


def test_default_application_and_blueprint_limits_keep_the_pass() -> None:
    assert _limits_outside_views(_limiter(default_limits=["5 per minute"])[1], "view")
    assert _limits_outside_views(_limiter(application_limits=["5 per minute"])[1], "view")
    app, limiter = _limiter()
    blueprint = Blueprint("limited", __name__)
    limiter.limit("5 per minute")(blueprint)
    app.register_blueprint(blueprint)
    assert _limits_outside_views(limiter, "view")


def test_a_hinted_endpoint_keeps_the_pass_and_an_unknown_limiter_always_does() -> None:
    _app, limiter = _limiter()
    limiter.limit_manager.add_endpoint_hint("view", "some.inner.callable")
    assert _limits_outside_views(limiter, "view")
    assert not _limits_outside_views(limiter, "another")
    assert _limits_outside_views(object(), "view")
