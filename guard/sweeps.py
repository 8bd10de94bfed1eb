"""Timing the policies' periodic sweeps: a duration metric, and the last sweep kept for the status page.

No sweep exists yet; each one that a policy adds runs inside ``timed_sweep``::

    with timed_sweep("branch_protection", StateStore(db)):
        ...  # re-check every repository
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog

from guard import metrics
from guard.db import DatabaseUnavailable
from guard.state import StateStore

log = structlog.get_logger("guard.sweeps")

NAMESPACE = "guard.sweeps"


@contextmanager
def timed_sweep(
    policy: str,
    store: StateStore,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.perf_counter,
) -> Iterator[None]:
    """Record how long the block took and whether it raised (the exception still propagates)."""
    started = timer()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    finally:
        seconds = timer() - started
        finished = clock()
        metrics.sweep_finished(policy, outcome, seconds, finished)
        record = {"finished_at": finished, "duration_seconds": seconds, "outcome": outcome}
        try:
            store.put(NAMESPACE, policy, record)
        except DatabaseUnavailable as exc:
            log.warning("could not record the sweep", policy=policy, error=str(exc))
