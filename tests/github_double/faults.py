"""Faults the tests inject: an error answer, a delay or a dropped connection, for N matching requests."""

from __future__ import annotations

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


class Faults:
    """Pending faults, consumed first-in first-out per route."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.times is not None and fault.times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        with self._lock:
            self._pending.append(fault)

    def take(self, method: str, template: str) -> Fault | None:
        """The next fault for this route, counting it as used."""
        with self._lock:
            for fault in self._pending:
                if fault.method == method and fault.template == template:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._pending.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
