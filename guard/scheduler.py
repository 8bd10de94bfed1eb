"""Periodic sweeps: for each sweep a policy declares, one internal delivery per repository and period.

A sweep repairs what a lost or late delivery hid. The scheduler only enqueues: each repository's sweep
is an ordinary delivery (event ``guard_sweep``, action = the sweep's name) that workers process with
the same retries, idempotency and decision log as a webhook, so one repository's failure never stops
the others and concurrency is bounded by the workers. Delivery ids are derived from (sweep, period,
repository) and a period is claimed in the database, so several guard instances never run a sweep twice.
Deliveries are spread over the first tenth of the period instead of arriving at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from sqlalchemy.dialects import postgresql, sqlite

from guard.db import DatabaseUnavailable, state
from guard.github import GitHub, GitHubError
from guard.inbox import IncomingDelivery
from guard.recovery import recover
from guard.routing import SWEEP_EVENT
from guard.services import Services

log = structlog.get_logger("guard.scheduler")
LEASE_NAMESPACE = "sweep_periods"
SPREAD = 0.1
TICK_SECONDS = 30.0
RECOVERY = "delivery_recovery"
RECOVERY_SECONDS = 900.0  # well inside the 3 days GitHub keeps failed deliveries


def sweep_delivery_id(name: str, period: int, repository_id: int) -> str:
    digest = hashlib.sha256(f"{name}|{period}|{repository_id}".encode()).hexdigest()[:40]
    return f"sweep-{digest}"


class Scheduler:
    """Enqueues due sweeps; ``run`` ticks until stopped, ``run_once`` is one tick."""

    def __init__(self, services: Services, *, clock: Callable[[], float] = time.time) -> None:
        self.services = services
        self.clock = clock

    def run(self, stop: threading.Event) -> None:
        """Recover lost deliveries at start-up, then tick: due sweeps and periodic recovery."""
        recover(self.services)
        while not stop.is_set():
            try:
                self.run_once()
            except (GitHubError, DatabaseUnavailable) as exc:
                log.warning("sweep scheduling failed; trying again at the next tick", error=str(exc))
            stop.wait(TICK_SECONDS)

    def run_once(self) -> dict[str, int]:
        """Enqueue every sweep whose period this instance claims; returns deliveries queued per sweep.

        Nothing happens while the guard has no App credentials (they may arrive by registration).
        """
        github = self.services.github
        if github is None:
            return {}
        if self._claim(RECOVERY, int(self.clock() // RECOVERY_SECONDS)):
            recover(self.services)
        queued = {}
        for name, every in sorted(self.services.router.sweeps.items()):
            period = int(self.clock() // every)
            if self._claim(name, period):
                queued[name] = self._enqueue(github, name, period, every)
                log.info("sweep queued", sweep=name, period=period, repositories=queued[name])
        return queued

    def _claim(self, name: str, period: int) -> bool:
        """True for exactly one caller per (sweep, period), across every process sharing the database."""
        insert = postgresql.insert if self.services.db.is_postgres else sqlite.insert
        row = {
            "namespace": LEASE_NAMESPACE,
            "key": f"{name}:{period}",
            "value": {"at": self.clock()},
            "updated_at": self.clock(),
        }
        statement = insert(state).values(**row).on_conflict_do_nothing().returning(state.c.key)
        with self.services.db.write() as conn:
            claimed = conn.execute(statement).first() is not None
            conn.execute(
                state.delete().where(
                    state.c.namespace == LEASE_NAMESPACE,
                    state.c.key.startswith(f"{name}:", autoescape=True),
                    state.c.key != row["key"],
                )
            )
        return claimed

    def _enqueue(self, github: GitHub, name: str, period: int, every: float) -> int:
        start = self.clock()
        targets = list(self._repositories(github))
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
                    source="sweep",
                    not_before=start + every * SPREAD * index / max(1, len(targets)),
                )
            )
        return len(targets)

    def _repositories(self, github: GitHub) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every unarchived repository of every installation the guard serves."""
        for installation in github.app().paginate("/app/installations"):
            login = (installation.get("account") or {}).get("login")
            if installation.get("suspended_at") or not self.services.settings.serves_org(login):
                continue
            client = github.installation(int(installation["id"]))
            for repository in client.paginate("/installation/repositories", item_key="repositories"):
                if not repository.get("archived"):
                    yield int(installation["id"]), repository


def start_thread(services: Services, stop: threading.Event) -> threading.Thread:
    """Run the scheduler in a daemon thread; it idles until the App has credentials."""
    thread = threading.Thread(
        target=Scheduler(services).run, args=(stop,), name="guard-scheduler", daemon=True
    )
    thread.start()
    return thread
