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
