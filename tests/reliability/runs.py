"""Fault runs shared by the short tests (``tests/reliability/``) and ``benchmarks/faults.py --long``.

Each run sets up the workload on the double, starts the guard, applies one fault class while a steady
load flows, lets the guard settle (recovery redelivers what GitHub failed to deliver) and tallies the
outcome from outside (``ledger.py``).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from guard.db import Database
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.reliability.ledger import Tally, settled
from tests.reliability.private_postgres import PrivatePostgres
from tests.reliability.processes import GuardProcesses, Proc
from tests.reliability.workload import Deliveries, Load, set_up


@dataclass(frozen=True)
class Shape:
    """How much load, and how many faults, a run applies."""

    rate: float = 4.0
    total: int = 60
    faults: int = 2
    downtime: float = 1.0
    repositories: int = 4
    settle_timeout: float = 120.0
    seed: int = 9


def _kill_now_and_then(
    cluster: GuardProcesses, pick: Callable[[], Proc], shape: Shape, load: Load, rng: random.Random
) -> int:
    """SIGKILL a process at random moments while the load runs, restarting it after ``downtime``."""
    kills = 0
    span = shape.total / shape.rate
    moments = sorted(rng.uniform(0.15 * span, 0.85 * span) for _ in range(shape.faults))
    started = time.monotonic()
    for moment in moments:
        time.sleep(max(0.0, started + moment - time.monotonic()))
        proc = pick()
        cluster.kill(proc)
        kills += 1
        time.sleep(shape.downtime)
        cluster.start(proc)
    load.join()
    return kills


def kill_run(
    double: GitHubDouble, app: TestApp, database_url: str, workdir: Path, target: str, shape: Shape
) -> Tally:
    """``target``: ``gunicorn`` (the web process beside two workers: any of the three is killed),
    ``web`` (only gunicorn), ``workers`` (only workers) or ``serve`` (``guard serve`` alone)."""
    repositories = set_up(double, shape.repositories)
    rng = random.Random(shape.seed)
    web = "serve" if target == "serve" else "gunicorn"
    with GuardProcesses(double, app, database_url, workdir, web=web) as cluster:
        front = cluster.add_web()
        workers = [] if target == "serve" else [cluster.add_worker() for _ in range(2)]
        double.set_hook(cluster.url(front), WEBHOOK_SECRET)
        load = Load(double, Deliveries(double, repositories), rate=shape.rate, total=shape.total).start()
        victims = {"gunicorn": [front, *workers], "workers": workers}.get(target, [front])
        order = iter([victims[0]])  # the first fault always hits the first victim (the web process)
        _kill_now_and_then(cluster, lambda: next(order, None) or rng.choice(victims), shape, load, rng)
        return _settle(double, database_url, load, shape)


def postgres_restart_run(
    double: GitHubDouble, app: TestApp, server: PrivatePostgres, workdir: Path, shape: Shape
) -> Tally:
    """The private cluster stopped as if it crashed (``immediate``) and started again, mid-load."""
    database_url = server.create_database(f"guard_{random.Random(shape.seed).randrange(10**6)}")
    repositories = set_up(double, shape.repositories)
    with GuardProcesses(double, app, database_url, workdir) as cluster:
        cluster.migrate()
        front = cluster.add_web()
        for _ in range(2):
            cluster.add_worker()
        double.set_hook(cluster.url(front), WEBHOOK_SECRET)
        load = Load(double, Deliveries(double, repositories), rate=shape.rate, total=shape.total).start()
        span, started = shape.total / shape.rate, time.monotonic()
        for n in range(shape.faults):
            time.sleep(max(0.0, started + span * (n + 1) / (shape.faults + 1) - time.monotonic()))
            server.stop("immediate")
            time.sleep(shape.downtime)
            server.start()
        load.join()
        return _settle(double, database_url, load, shape)


GITHUB_FAULTS: dict[str, list[tuple[str, float, float]]] = {
    "errors": [("error", 0.12, 0.0)],  # 500/502 answers (the double's choice of status per fault)
    "rate limits": [("secondary", 0.03, 2.0), ("primary", 0.03, 3.0)],
    "timeouts": [("delay", 0.04, 3.0), ("delay", 0.12, 0.8), ("drop", 0.03, 0.0)],
}
GITHUB_FAULTS["all"] = [fault for faults in list(GITHUB_FAULTS.values()) for fault in faults]
GITHUB_TIMEOUT = 2  # seconds: the delays above 2 s are timeouts, those below are slow answers


def github_faults_run(
    double: GitHubDouble, app: TestApp, database_url: str, workdir: Path, faults: str, shape: Shape
) -> Tally:
    """``guard serve`` (one process: one rate-limit book, so waiting can be checked) while GitHub fails
    by chance on every route; the faults end with the load and the guard settles."""
    repositories = set_up(double, shape.repositories)
    env = {"GUARD_GITHUB_READ_TIMEOUT": str(GITHUB_TIMEOUT)}
    with GuardProcesses(double, app, database_url, workdir, web="serve", extra_env=env) as cluster:
        front = cluster.add_web()
        double.set_hook(cluster.url(front), WEBHOOK_SECRET)
        double.faults.seed(shape.seed)
        for kind, chance, seconds in GITHUB_FAULTS[faults]:
            if kind == "error":
                double.flaky("error", chance=chance / 2, status=500)
                double.flaky("error", chance=chance / 2, status=502)
            else:
                double.flaky(kind, chance=chance, seconds=seconds)
        load = Load(double, Deliveries(double, repositories), rate=shape.rate, total=shape.total).start()
        load.join()
        double.faults.clear()
        return _settle(double, database_url, load, shape)


def early_calls(double: GitHubDouble, faults: str) -> list[str]:
    """Requests an identity made while GitHub had told it to wait (a 403 with retry-after, a 429 with
    reset); requests already in flight when the answer arrived (0.3 s) are allowed."""
    waits = {status: seconds for kind, _, seconds in GITHUB_FAULTS[faults] for status in _statuses(kind)}
    calls = [c for c in double.calls if c.template != "/rate_limit"]
    early = []
    for limited in (c for c in calls if c.status in waits):
        window = (limited.at + 0.3, limited.at + waits[limited.status] - 0.3)
        early += [
            f"{c.method} {c.path} by {c.auth} {c.at - limited.at:.2f} s after a {limited.status}"
            for c in calls
            if c.auth == limited.auth and window[0] < c.at < window[1]
        ]
    return early


def _statuses(kind: str) -> tuple[int, ...]:
    return {"secondary": (403,), "primary": (429,)}.get(kind, ())


def _settle(double: GitHubDouble, database_url: str, load: Load, shape: Shape) -> Tally:
    time.sleep(1.0)  # the last sends are in flight
    db = Database(database_url)
    try:
        return settled(double, db, load.expected, shape.settle_timeout)
    finally:
        db.dispose()


def run_in_background(work: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread
