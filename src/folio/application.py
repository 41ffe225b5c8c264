"""Folio's Flask application class."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class FolioSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer made once per key set.

    Flask builds it afresh when it opens and saves every session (8% of an empty
    request); it depends only on the secret key and its fallbacks, which are read each
    time, so a rotated key still takes effect at once.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        fallbacks = app.config.get("SECRET_KEY_FALLBACKS") or ()
        key = (app.secret_key, *fallbacks)
        if key not in self._serializers:
            if len(self._serializers) > 8:
                self._serializers.clear()
            self._serializers[key] = super().get_signing_serializer(app)
        return self._serializers[key]


class FolioFlask(Flask):
    """Flask, remembering which request hooks and views are coroutines, with sessions
    whose signing serializer is made once.

    Flask asks ``inspect.iscoroutinefunction`` of every hook and view on every request
    (about 30 a request here, 4% of an empty request's work); the answer never changes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_interface = FolioSessionInterface()
        self._coroutine_functions: dict[Callable[..., Any], bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        known = self._coroutine_functions.get(func)
        if known is None:
            known = self._coroutine_functions[func] = iscoroutinefunction(func)
        return self.async_to_sync(func) if known else func
