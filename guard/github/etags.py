"""A bounded, thread-safe cache of GET answers by identity and URL, for conditional requests."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")
DEFAULT_SIZE = 2048


class EtagCache(Generic[T]):
    """Least-recently-used store of answers that carried an ETag.

    Keys include the identity, so one installation's cached body is never served to another.
    """

    def __init__(self, max_entries: int = DEFAULT_SIZE) -> None:
        if max_entries < 1:
            raise ValueError("the ETag cache needs room for at least one entry")
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str], T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, identity: str, url: str) -> T | None:
        with self._lock:
            entry = self._entries.get((identity, url))
            if entry is not None:
                self._entries.move_to_end((identity, url))
            return entry

    def put(self, identity: str, url: str, entry: T) -> None:
        with self._lock:
            self._entries[(identity, url)] = entry
            self._entries.move_to_end((identity, url))
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
