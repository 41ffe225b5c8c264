"""A per-process gate: work that requests may trigger (publishing due articles, retrying
deliveries on the embedded default) runs at most once every so many seconds."""

from __future__ import annotations

import threading
import time


class Throttle:
    """``due(every)`` is true at most once per ``every`` seconds in this process."""

    def __init__(self) -> None:
        self.next_run = 0.0
        self.lock = threading.Lock()

    def due(self, every: float) -> bool:
        now = time.monotonic()
        with self.lock:
            if now < self.next_run:
                return False
            self.next_run = now + every
            return True
