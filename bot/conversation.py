"""Each chat's recent question, so follow-ups can lean on it; forgotten after a while."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict


class ConversationMemory:
    """(chat, user) -> last standalone question, expiring after `ttl_seconds`; bounded in size."""

    def __init__(self, ttl_seconds: float, max_entries: int = 50_000, clock=time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[object, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def previous(self, key: object) -> str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            at, question = entry
            if self._clock() - at > self.ttl_seconds:
                del self._entries[key]
                return None
            return question

    def remember(self, key: object, question: str) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), question)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, key: object) -> None:
        with self._lock:
            self._entries.pop(key, None)
