"""Primary rate limits per caller, announced in ``x-ratelimit-*`` headers on every answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass

WINDOW = 3600
DEFAULT_LIMIT = 5000
ANONYMOUS_LIMIT = 60


@dataclass
class Budget:
    limit: int
    remaining: int
    reset: int

    @property
    def used(self) -> int:
        return self.limit - self.remaining


class RateLimits:
    """One hourly ``core`` budget per caller key (``app``, ``installation:ID``, ``anonymous``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: dict[str, Budget] = {}

    def budget(self, key: str, now: float) -> Budget:
        """The caller's current budget, refilled once its reset time has passed."""
        with self._lock:
            budget = self._budgets.get(key)
            if budget is None or now >= budget.reset:
                limit = ANONYMOUS_LIMIT if key == "anonymous" else (budget.limit if budget else DEFAULT_LIMIT)
                budget = Budget(limit=limit, remaining=limit, reset=int(now) + WINDOW)
                self._budgets[key] = budget
            return budget

    def set(self, key: str, now: float, *, remaining: int, limit: int, reset_in: float) -> None:
        with self._lock:
            self._budgets[key] = Budget(limit=limit, remaining=remaining, reset=int(now + reset_in))

    def spend(self, key: str, now: float) -> None:
        budget = self.budget(key, now)
        with self._lock:
            budget.remaining = max(0, budget.remaining - 1)

    def headers(self, key: str, now: float) -> dict[str, str]:
        budget = self.budget(key, now)
        return {
            "x-ratelimit-limit": str(budget.limit),
            "x-ratelimit-remaining": str(budget.remaining),
            "x-ratelimit-reset": str(budget.reset),
            "x-ratelimit-used": str(budget.used),
            "x-ratelimit-resource": "core",
        }
