"""Faults the tests inject: an error answer, a delay or a dropped connection, for N matching requests.

A fault may apply by chance (``chance`` < 1, drawn from a seeded generator so a run can be repeated) and
to every route (``method`` and ``template`` ``"*"``); a rate-limit answer can carry an
``x-ratelimit-reset`` computed when it is sent (``reset_in``).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Literal

from tests.github_double.routing import Reply

FaultKind = Literal["reply", "delay", "drop"]


@dataclass
class Fault:
    """Applies to ``times`` requests matching ``method`` and the OpenAPI ``template`` (None: forever)."""

    method: str
    template: str
    kind: FaultKind
    times: int | None
    reply: Reply | None = None
    seconds: float = 0.0
    chance: float = 1.0
    reset_in: float | None = None

    def matches(self, method: str, template: str) -> bool:
        return self.method in (method, "*") and self.template in (template, "*")


class Faults:
    """Pending faults, consumed first-in first-out per route."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self._rng = random.Random(seed)

    def seed(self, seed: int) -> None:
        with self._lock:
            self._rng = random.Random(seed)

    def add(self, fault: Fault) -> None:
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        with self._lock:
            self._pending.append(fault)

    def take(self, method: str, template: str) -> Fault | None:
        """The next fault for this route, counting it as used."""
        with self._lock:
            for fault in self._pending:
                if fault.matches(method, template):
                    if fault.chance < 1.0 and self._rng.random() >= fault.chance:
                        continue
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._pending.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
