"""Alerts and tokens for the feed tests: a store on a ticking clock, and headers that carry a token."""

from __future__ import annotations

import base64
import itertools

from guard.alerts import AlertStore
from guard.db import Database
from policies.base import AlertSpec, Severity

START = 1_800_000_000  # 2027-01-15T08:00:00Z


def ticking_store(db: Database) -> AlertStore:
    """An alert store whose clock moves one second per write, from START."""
    ticks = itertools.count(START)
    return AlertStore(db, clock=lambda: float(next(ticks)))


def spec(number: int, severity: Severity = Severity.HIGH, **fields: str) -> AlertSpec:
    values = {
        "policy": "branch_protection",
        "rule": "protection-weakened",
        "title": f"alert {number}",
        "details": f"Protection of `b{number}` was weakened.",
        "repository": "acme/widgets",
        "subject": f"refs/heads/b{number}",
        "actor": "mallory",
        **fields,
    }
    return AlertSpec(severity=severity, **values)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def basic(password: str, user: str = "reader") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
