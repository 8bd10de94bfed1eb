"""Periodic sweeps: for each sweep a policy declares, one internal delivery per repository and period.

A sweep repairs what a lost or late delivery hid. The scheduler only enqueues: each repository's sweep
is an ordinary delivery (event ``guard_sweep``, action = the sweep's name) that workers process with
the same retries, idempotency and decision log as a webhook, so one repository's failure never stops
the others. Concurrency is bounded by ``GUARD_SWEEP_CONCURRENCY`` across every process (the inbox takes
webhooks first), and each sweep request keeps a fifth of the installation's rate limit for webhooks.

Several guard instances never run a sweep twice: delivery ids are derived from (sweep, period,
repository), and a period is taken under a lease in the database (``state`` namespace
``sweep_periods``). The instance holding it enqueues and marks it done; if it dies first, the lease
expires and another instance finishes the job (already queued repositories are recognised by their
ids). One installation GitHub cannot list now (outage, rate limit) does not stop the others; the period
is given back so the next tick lists it again. Deliveries are spread over the first tenth of the period.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from guard.db import DatabaseUnavailable, state
from guard.github import GitHub, GitHubError, GitHubUnavailable, RateLimited
from guard.inbox import SWEEP_SOURCE, IncomingDelivery
from guard.recovery import recover
from guard.routing import SWEEP_EVENT
from guard.services import Services

log = structlog.get_logger("guard.scheduler")
LEASE_NAMESPACE = "sweep_periods"
LEASE_SECONDS = 300.0  # an instance that took a period and died is replaced after this long
SPREAD = 0.1
TICK_SECONDS = 30.0
RECOVERY = "delivery_recovery"


def sweep_delivery_id(name: str, period: int, repository_id: int) -> str:
    digest = hashlib.sha256(f"{name}|{period}|{repository_id}".encode()).hexdigest()[:40]
    return f"sweep-{digest}"


class Scheduler:
    """Enqueues due sweeps; ``run`` ticks until stopped, ``run_once`` is one tick."""

    def __init__(self, services: Services, *, clock: Callable[[], float] = time.time) -> None:
        self.services = services
        self.clock = clock
        self.owner = uuid.uuid4().hex[:16]
        self._stop = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Recover lost deliveries at start-up, then tick: due sweeps and periodic recovery."""
        self._stop = stop
        recover(self.services, sleep=stop.wait)
        while not stop.is_set():
            try:
                self.run_once()
            except (GitHubError, DatabaseUnavailable) as exc:
                log.warning("sweep scheduling failed; trying again at the next tick", error=str(exc))
            stop.wait(min(TICK_SECONDS, self.services.settings.recovery_seconds))

    def run_once(self) -> dict[str, int]:
        """Enqueue every sweep whose period this instance takes; returns deliveries queued per sweep.

        Nothing happens while the guard has no App credentials (they may arrive by registration).
        """
        github = self.services.github
        if github is None:
            return {}
        recovery_period = int(self.clock() // self.services.settings.recovery_seconds)
        if self._claim(RECOVERY, recovery_period):
            report = recover(self.services, sleep=self._stop.wait)
            self._finish(RECOVERY, recovery_period, done=report is not None and report.complete)
        queued = {}
        for name, every in sorted(self.services.router.sweeps.items()):
            period = int(self.clock() // every)
            if self._claim(name, period):
                try:
                    queued[name], complete = self._enqueue(github, name, period, every)
                except (GitHubError, DatabaseUnavailable):
                    self._finish(name, period, done=False)
                    raise
                self._finish(name, period, done=complete)
                log.info("sweep queued", sweep=name, period=period, repositories=queued[name])
        return queued

    def _claim(self, name: str, period: int) -> bool:
        """True for one caller per (sweep, period) at a time, across every process sharing the database.

        The period is taken when nobody has it, or when its holder neither finished nor renewed in time.
        """
        now, key = self.clock(), f"{name}:{period}"
        lease = {"owner": self.owner, "until": now + LEASE_SECONDS, "done": False}
        insert = postgresql.insert if self.services.db.is_postgres else sqlite.insert
        statement = (
            insert(state)
            .values(namespace=LEASE_NAMESPACE, key=key, value=lease, updated_at=now)
            .on_conflict_do_nothing()
            .returning(state.c.key)
        )
        with self.services.db.write() as conn:
            claimed = conn.execute(statement).first() is not None or self._take_over(conn, key, lease, now)
            if claimed:
                conn.execute(
                    state.delete().where(
                        state.c.namespace == LEASE_NAMESPACE,
                        state.c.key.startswith(f"{name}:", autoescape=True),
                        state.c.key != key,
                    )
                )
        return claimed

    @staticmethod
    def _take_over(conn: Connection, key: str, lease: dict[str, Any], now: float) -> bool:
        where = (state.c.namespace == LEASE_NAMESPACE, state.c.key == key)
        current = conn.execute(
            sa.select(state.c.value, state.c.updated_at).where(*where).with_for_update()
        ).first()
        if current is None or current.value.get("done", True) or float(current.value["until"]) > now:
            return False
        update = state.update().where(*where, state.c.updated_at == current.updated_at)
        return conn.execute(update.values(value=lease, updated_at=now)).rowcount == 1

    def _finish(self, name: str, period: int, *, done: bool) -> None:
        """Mark the period done, or give it back at once so the next tick (of any instance) retries."""
        where = (
            state.c.namespace == LEASE_NAMESPACE,
            state.c.key == f"{name}:{period}",
            state.c.value["owner"].as_string() == self.owner,
        )
        with self.services.db.write() as conn:
            if done:
                value = {"owner": self.owner, "until": self.clock(), "done": True}
                conn.execute(state.update().where(*where).values(value=value, updated_at=self.clock()))
            else:
                conn.execute(state.delete().where(*where))

    def _enqueue(self, github: GitHub, name: str, period: int, every: float) -> tuple[int, bool]:
        """Queue the sweep of every repository; False as second value when an installation must wait."""
        start = self.clock()
        targets, complete = self._repositories(github)
        for index, (installation_id, repository) in enumerate(targets):
            payload = {
                "action": name,
                "installation": {"id": installation_id},
                "repository": repository,
                "sweep": {"started_at": start},
            }
            self.services.inbox.put(
                IncomingDelivery(
                    delivery_id=sweep_delivery_id(name, period, int(repository["id"])),
                    event=SWEEP_EVENT,
                    payload=json.dumps(payload),
                    action=name,
                    installation_id=installation_id,
                    repository=repository["full_name"],
                    source=SWEEP_SOURCE,
                    not_before=start + every * SPREAD * index / max(1, len(targets)),
                )
            )
        return len(targets), complete

    def _repositories(self, github: GitHub) -> tuple[list[tuple[int, dict[str, Any]]], bool]:
        """Every unarchived repository of every installation the guard serves, and whether all listed."""
        found: list[tuple[int, dict[str, Any]]] = []
        complete = True
        for installation in github.app().paginate("/app/installations"):
            login = (installation.get("account") or {}).get("login")
            if installation.get("suspended_at") or not self.services.settings.serves_org(login):
                continue
            client = github.installation(int(installation["id"]))
            try:
                listed = list(client.paginate("/installation/repositories", item_key="repositories"))
            except (RateLimited, GitHubUnavailable) as exc:
                log.warning(
                    "installation not listed; its sweep waits",
                    installation=installation["id"],
                    error=str(exc),
                )
                complete = False
                continue
            except GitHubError as exc:
                log.warning(
                    "installation cannot be listed; skipped", installation=installation["id"], error=str(exc)
                )
                continue
            found += [(int(installation["id"]), r) for r in listed if not r.get("archived")]
        return found, complete


def start_thread(services: Services, stop: threading.Event) -> threading.Thread:
    """Run the scheduler in a daemon thread; it idles until the App has credentials."""
    thread = threading.Thread(
        target=Scheduler(services).run, args=(stop,), name="guard-scheduler", daemon=True
    )
    thread.start()
    return thread
