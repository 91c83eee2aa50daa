"""Per-user question limit over a sliding minute."""
from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    """At most `limit` events per `window` seconds per key; limit 0 means no limit."""

    def __init__(self, limit: int, window: float = 60.0, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[object, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def try_acquire(self, key: object) -> int:
        """0 when the event is allowed (and counted); otherwise the whole seconds to wait."""
        if self.limit <= 0:
            return 0
        now = self._clock()
        with self._lock:
            events = self._events[key]
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(events[0] + self.window - now))
            events.append(now)
            if len(self._events) > 10_000:  # forget idle users now and then
                for idle in [k for k, e in self._events.items() if not e or e[-1] <= now - self.window]:
                    del self._events[idle]
            return 0
