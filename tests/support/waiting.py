"""Waiting in tests for something another thread or process does, with a deadline instead of a hang."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float = 5.0, pause: float = 0.02) -> None:
    """Return once ``condition()`` is true; fail the test if it is still false after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(pause)
