"""Workers: claim a delivery, process it under a renewed lease, and record the result or schedule a retry.

``guard worker`` runs them as a process of its own; ``guard serve`` runs them as threads beside the web
server for the single-machine default.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from guard import metrics
from guard.alerts import AlertContext
from guard.db import DatabaseUnavailable
from guard.engine import Engine, PolicyFailed
from guard.errors import TRANSIENT_ERRORS, retry_not_before
from guard.events import EventError
from guard.github import RateLimited
from guard.inbox import DEAD, Claimed, LeaseLost
from guard.logs import bind_delivery
from guard.redact import redact
from policies.base import AlertSpec, Severity

log = structlog.get_logger("guard.worker")


class Worker:
    """One worker loop; several share the inbox safely."""

    def __init__(self, engine: Engine, *, name: str | None = None, idle_seconds: float = 0.5) -> None:
        self.engine = engine
        self.inbox = engine.services.inbox
        self.name = name or f"worker-{uuid.uuid4().hex[:12]}"
        self.idle_seconds = idle_seconds
        self._in_hand: Claimed | None = None
        self._hand = threading.Lock()  # the heartbeat renews only while the delivery is still in hand

    def run(self, stop: threading.Event) -> None:
        """Process deliveries until ``stop`` is set; finishes the delivery in hand first."""
        log.info("worker started", worker=self.name)
        heartbeat = threading.Thread(
            target=self._keep_leases, args=(stop,), name=f"{self.name}-lease", daemon=True
        )
        heartbeat.start()
        while not stop.is_set():
            try:
                worked = self.run_once()
            except DatabaseUnavailable as exc:
                log.warning("database unavailable; waiting", error=str(exc))
                worked = False
            if not worked:
                stop.wait(self.idle_seconds)
        heartbeat.join()
        log.info("worker stopped", worker=self.name)

    def run_once(self) -> bool:
        """Claim and process one delivery; False when nothing was ready."""
        claimed = self.inbox.claim(self.name)
        if claimed is None:
            return False
        bind_delivery(
            {
                "delivery_id": claimed.delivery_id,
                "github_event": claimed.event,
                "action": claimed.action,
                "installation": claimed.installation_id,
                "repository": claimed.repository,
            }
        )
        with self._lease_kept(claimed):
            self._process(claimed)
        return True

    def _process(self, claimed: Claimed) -> None:
        started = time.perf_counter()
        outcome = self._attempt(claimed)
        lag = self.inbox.clock() - claimed.received_at
        metrics.delivery_worked(claimed.event, outcome, time.perf_counter() - started, lag)

    def _attempt(self, claimed: Claimed) -> str:
        """Process once; the outcome is ``processed``, ``failed`` (retried), ``dead`` or ``lost``."""
        try:
            evaluated = self.engine.process(claimed)
            self._let_go()
            self.inbox.finish(claimed, [item.as_record() for item in evaluated])
            log.info("delivery processed", decisions=len(evaluated), attempt=claimed.attempts)
        except EventError as exc:
            return self._give_up(claimed, f"malformed payload: {exc}")
        except LeaseLost as exc:
            log.warning("lease lost; another worker has the delivery", error=str(exc))
            return "lost"
        except TRANSIENT_ERRORS as exc:
            return self._retry(claimed, exc)
        except PolicyFailed as exc:
            return self._retry(claimed, exc)
        except Exception as exc:
            log.exception("unexpected error while processing")
            return self._retry(claimed, exc)
        return "processed"

    def _retry(self, claimed: Claimed, exc: BaseException) -> str:
        """Retry later; waiting out a rate limit is a deferral that does not use up an attempt."""
        self._let_go()
        error = redact(f"{type(exc).__name__}: {exc}")
        counted = not isinstance(exc, RateLimited)
        state = self.inbox.retry(claimed, error, not_before=retry_not_before(exc), counted=counted)
        log.warning("delivery will be retried" if state != DEAD else "delivery is dead", error=error)
        if state == DEAD:
            self._alert_dead(claimed, error)
            return "dead"
        return "failed"

    def _give_up(self, claimed: Claimed, error: str) -> str:
        self._let_go()
        self.inbox.bury(claimed, redact(error))
        log.error("delivery is dead", error=error)
        self._alert_dead(claimed, error)
        return "dead"

    def _alert_dead(self, claimed: Claimed, error: str) -> None:
        spec = AlertSpec(
            severity=Severity.HIGH,
            policy="system",
            rule="delivery-dead",
            title=f"A {claimed.event} delivery could not be processed",
            details=_dead_details(claimed, error),
            repository=claimed.repository,
            subject=f"delivery/{claimed.delivery_id}",
        )
        self.engine.alerts.raise_alert(spec, AlertContext(delivery_id=claimed.delivery_id))

    @contextmanager
    def _lease_kept(self, claimed: Claimed) -> Iterator[None]:
        """Mark ``claimed`` as in hand, so the heartbeat renews its lease while the work goes on."""
        with self._hand:
            self._in_hand = claimed
        try:
            yield
        finally:
            self._let_go()

    def _let_go(self) -> None:
        """Stop renewing before the write that ends the lease; waits for a renewal already under way.

        Otherwise a renewal made just after the delivery was finished finds no lease and is reported
        as a lost one.
        """
        with self._hand:
            self._in_hand = None

    def _keep_leases(self, stop: threading.Event) -> None:
        """Renew the lease of the delivery in hand every third of the lease, until the worker stops."""
        interval = max(1.0, self.inbox.lease_seconds / 3)
        while not stop.wait(interval):
            with self._hand:
                self._renew_in_hand()

    def _renew_in_hand(self) -> None:
        claimed = self._in_hand
        if claimed is None:
            return
        try:
            if not self.inbox.renew(claimed):
                log.warning("lease lost while working", delivery_id=claimed.delivery_id)
        except DatabaseUnavailable:
            log.warning("could not renew a lease: database unavailable", delivery_id=claimed.delivery_id)


def _dead_details(claimed: Claimed, error: str) -> str:
    where = claimed.repository or "no repository"
    return (
        f"Delivery `{claimed.delivery_id}` ({claimed.event}.{claimed.action or '-'}) for {where} failed "
        f"after {claimed.attempts} attempt(s):\n\n```\n{error}\n```\n\n"
        "Its policies did not run to completion, so what it should have caught may have been missed. "
        f"Fix the cause, then run `guard requeue {claimed.delivery_id}` to process it again."
    )


def start_threads(engine: Engine, count: int, stop: threading.Event) -> list[threading.Thread]:
    """Start ``count`` worker threads sharing ``stop``."""
    threads = []
    for index in range(count):
        worker = Worker(engine, name=f"{uuid.uuid4().hex[:8]}-{index}")
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"guard-worker-{index}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads
