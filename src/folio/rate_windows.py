"""Fixed-window rate limits on Redis that remember, for the request, what each hit counted.

Flask-Limiter counts a limited request (one ``INCRBY`` script per limit) and then, for
the ``X-RateLimit-*`` headers, reads the same counter back: a ``GET`` and a ``TTL``, two
more round trips to Redis on every limited write. Here the counting script also returns
the key's time to live, and the headers are made from what the hit answered. The count
and the expiry are the ones the storage holds (the script is limits' own ``incr_expire``
with the ``TTL`` added); only a hit by another request between the two moments, which
the old read could have seen, is not seen.

Other storages (the in-memory fallback, the test profile's memory) count as limits does.
"""

from __future__ import annotations

import time
from typing import Any

from flask import g, has_request_context
from flask_limiter import Limiter
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
from limits.util import WindowStats

# limits' incr_expire.lua, answering the time to live as well.
_INCR_EXPIRE_TTL = b"""
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""
_SEEN = "folio_rate_windows"


class RememberingFixedWindow(FixedWindowRateLimiter):
    """limits' fixed window; on Redis, in a request, a hit also answers the headers."""

    _script: Any = None

    def _counting(self) -> RedisStorage | None:
        storage = self.storage
        if isinstance(storage, RedisStorage) and has_request_context():
            return storage
        return None

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        storage = self._counting()
        if storage is None:
            return super().hit(item, *identifiers, cost=cost)
        if self._script is None:
            self._script = storage.get_connection().register_script(_INCR_EXPIRE_TTL)
        key = item.key_for(*identifiers)
        count, ttl = self._script([storage.prefixed_key(key)], [item.get_expiry(), cost])
        g.setdefault(_SEEN, {})[key] = (int(count), int(ttl))
        return int(count) <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        seen = g.get(_SEEN) if self._counting() is not None else None
        found = seen.get(item.key_for(*identifiers)) if seen else None
        if found is None:
            return super().get_window_stats(item, *identifiers)
        count, ttl = found
        # As limits' get_expiry: a key without an expiry (-1) or gone (-2) resets now.
        return WindowStats(max(ttl, 0) + time.time(), max(0, item.amount - count))


def remember_hits(limiter: Limiter) -> None:
    """Count ``limiter``'s fixed windows with :class:`RememberingFixedWindow` (after its
    ``init_app``; other strategies are left as they are)."""
    current = limiter._limiter
    if type(current) is FixedWindowRateLimiter:
        limiter._limiter = RememberingFixedWindow(current.storage)
