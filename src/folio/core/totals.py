"""Totals of article lists, remembered for a few seconds in each process.

A list's total (RealWorld's ``articlesCount``, /api/v1's ``total``) is a COUNT over every
match, which costs more than the page itself on a large site: 7 ms on SQLite and 90 ms
on PostgreSQL for 100,000 published articles (bench/README.md). Totals may therefore lag
by up to ``ttl`` seconds; a write through the same process forgets them at once. With
``ttl`` 0 (the default, and the tests') every total is counted.

The same map keeps where deep pages start (``articles.queries.list_articles``), the ranked ids
of searches, popular tags and the tag count, with the same lag and the same forgetting.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class TotalsCache:
    """A small LRU map of list totals (and tag counts) with a time to live."""

    def __init__(self, ttl: float = 0.0, max_entries: int = 4096) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        if self.ttl <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, total: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl, total)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


TOTALS = TotalsCache()


def configure(ttl: float) -> None:
    """Set how long totals are kept (seconds; 0 counts every time) and forget them."""
    TOTALS.ttl = max(0.0, float(ttl))
    TOTALS.clear()


def forget() -> None:
    """Called by every write that changes what a list holds."""
    TOTALS.clear()
