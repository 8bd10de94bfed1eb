"""Branch protection: how fast drift is restored, and what a sweep of unchanged repositories costs.

Usage: python benchmarks/protection.py [--runs 200] [--repos 1000] [--workers 2] [--poll 0.5]
                                       [--database-url URL]

1. Restoration latency. The guard runs as in production: its web app on a real HTTP server (the
   receiver), ``--workers`` worker threads polling the inbox every ``--poll`` seconds when idle (the
   default of ``guard serve``), and the local GitHub double standing in for api.github.com over HTTP.
   Each run weakens ``main``'s protection in the double, posts a signed ``branch_protection_rule.edited``
   delivery to the receiver, and measures until the double receives the restoring ``PUT``. Runs start
   at a random moment relative to the workers' polling, so the idle wait is sampled fairly.
2. Sweep cost. ``--repos`` repositories, all protected as declared; one ``guard_sweep`` delivery per
   repository is put in the inbox (as the scheduler does) and processed by the real handler path. The
   first sweep is cold (nothing cached); the second is the steady state, where every read is a
   conditional request. Calls and installation rate-limit units spent are read from the double.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.engine import Engine
from guard.inbox import IncomingDelivery
from guard.logs import configure_logging
from guard.migrate import upgrade
from guard.services import Services, build_services
from guard.settings import load_settings
from guard.web import create_app
from guard.webhook import sign
from guard.worker import Worker
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp, generate_app
from tests.github_double.pipeline import Call
from tests.github_double.shapes import repository_json

SECRET = "benchmark-webhook-secret-0123456789"
PUT_PROTECTION = "/repos/{owner}/{repo}/branches/{branch}/protection"
PERMISSIONS = {"administration": "write", "contents": "write", "metadata": "read", "pull_requests": "read"}
ORG_FILE = (
    "branch_protection:\n  mode: enforce\n  branches:\n    - pattern: ~default\n      required_approvals: 2\n"
)
REVIEWS = {
    "dismiss_stale_reviews": True,
    "require_code_owner_reviews": False,
    "required_approving_review_count": 2,
    "require_last_push_approval": True,
}


def declared_body(app_id: int) -> dict[str, Any]:
    return {
        "required_status_checks": {
            "strict": False,
            "checks": [{"context": "Pipeline Guard / review", "app_id": app_id}],
        },
        "enforce_admins": False,
        "required_pull_request_reviews": REVIEWS,
        "restrictions": None,
        "allow_force_pushes": False,
        "allow_deletions": False,
    }


class TimedDouble(GitHubDouble):
    """The double, noting when each restoring PUT arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.put_seen = threading.Event()
        self.put_at = 0.0

    def record(self, call: Call) -> None:
        super().record(call)
        if call.method == "PUT" and call.template == PUT_PROTECTION:
            self.put_at = time.perf_counter()
            self.put_seen.set()


@contextmanager
def guard(
    double: GitHubDouble, app: TestApp, database_url: str, workers: int, poll: float
) -> Iterator[tuple[str, Services]]:
    """The guard's web app on a real HTTP server and its worker threads; yields the receiver URL."""
    settings = load_settings(
        {
            "WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": database_url,
            "GITHUB_API_URL": double.base_url,
            "APP_ID": str(app.app_id),
            "PRIVATE_KEY": app.private_key_pem,
            "GUARD_INBOX_LIMIT": "1000000",
        }
    )
    services = build_services(settings)
    upgrade(services.db)
    server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    engine = Engine(services, services.github)
    threads = [_worker(engine, poll, stop, i) for i in range(workers)]
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/github/webhooks", services
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        server.shutdown()
        services.db.dispose()


def _worker(engine: Engine, poll: float, stop: threading.Event, index: int) -> threading.Thread:
    worker = Worker(engine, name=f"bench-{index}", idle_seconds=poll)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    return thread


def post(session: requests.Session, url: str, event: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-GitHub-Hook-ID": "1",
        "X-Hub-Signature-256": sign(body, SECRET),
    }
    answer = session.post(url, data=body, headers=headers, timeout=10)
    answer.raise_for_status()


def restoration_latency(app: TestApp, database_url: str, runs: int, workers: int, poll: float) -> list[float]:
    double = TimedDouble()
    double.register_app(app_id=app.app_id, public_key_pem=app.public_key_pem)
    with double:
        double.add_installation("acme", permissions=PERMISSIONS)
        double.add_repo("acme/.github", files={"guard.yml": ORG_FILE})
        double.add_repo("acme/widgets")
        double.protect("acme/widgets", "main", declared_body(app.app_id))
        latencies = []
        with guard(double, app, database_url, workers, poll) as (url, _), requests.Session() as session:
            for run in range(runs + 1):
                time.sleep(random.uniform(0, poll))
                double.protect(
                    "acme/widgets",
                    "main",
                    {
                        **declared_body(app.app_id),
                        "required_pull_request_reviews": {**REVIEWS, "required_approving_review_count": 1},
                    },
                )
                payload = webhooks.branch_protection_rule(
                    double,
                    "acme/widgets",
                    "main",
                    "edited",
                    sender="mallory",
                    changes={"required_approving_review_count": {"from": 2}},
                )
                double.put_seen.clear()
                started = time.perf_counter()
                post(session, url, "branch_protection_rule", payload)
                if not double.put_seen.wait(30):
                    raise RuntimeError("no restoring PUT within 30 s")
                if run:  # the first run pays for GET /app and the token; production pays it once per process
                    latencies.append(double.put_at - started)
        return latencies


def sweep_payload(double: GitHubDouble, name: str, installation: int) -> IncomingDelivery:
    repo = double.state.repo(name)
    assert repo is not None
    payload = {
        "action": "branch_protection",
        "installation": {"id": installation},
        "repository": repository_json(double.base_url, repo, full=False),
        "sweep": {"started_at": time.time()},
    }
    return IncomingDelivery(
        delivery_id=f"sweep-{uuid.uuid4()}",
        event="guard_sweep",
        action="branch_protection",
        installation_id=installation,
        repository=name,
        payload=json.dumps(payload),
        source="internal",
    )


def run_sweep(
    double: GitHubDouble, services: Services, names: list[str], installation: int
) -> dict[str, Any]:
    double.clear_calls()
    remaining = double.rate_limit(installation).remaining
    started = time.perf_counter()
    for name in names:
        services.inbox.put(sweep_payload(double, name, installation))
    while services.inbox.depth() > 0:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    calls = [c for c in double.calls if c.auth == f"installation:{installation}"]
    statuses: dict[int, int] = {}
    for call in calls:
        statuses[call.status] = statuses.get(call.status, 0) + 1
    return {
        "seconds": elapsed,
        "calls": len(calls),
        "statuses": dict(sorted(statuses.items())),
        "rate_limit_spent": remaining - double.rate_limit(installation).remaining,
        "writes": sum(1 for c in calls if c.method != "GET"),
    }


def sweep_cost(app: TestApp, database_url: str, count: int, workers: int) -> list[dict[str, Any]]:
    double = GitHubDouble()
    double.register_app(app_id=app.app_id, public_key_pem=app.public_key_pem)
    with double:
        installation = double.add_installation("acme", permissions=PERMISSIONS)
        double.set_rate_limit(installation.id, remaining=15_000, limit=15_000)
        double.add_repo("acme/.github", files={"guard.yml": ORG_FILE})
        names = [f"acme/repo-{i:04d}" for i in range(count)]
        for name in names:
            double.add_repo(name)
            double.protect(name, "main", declared_body(app.app_id))
        with guard(double, app, database_url, workers, 0.05) as (_, services):
            return [run_sweep(double, services, names, installation.id) for _ in range(2)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--poll", type=float, default=0.5, help="worker idle poll interval (guard serve: 0.5)"
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    configure_logging("console", level=30)
    app = generate_app()
    with tempfile.TemporaryDirectory() as tmp:
        latency_db = args.database_url or f"sqlite:///{tmp}/latency.db"
        sweep_db = args.database_url or f"sqlite:///{tmp}/sweep.db"
        latencies = restoration_latency(app, latency_db, args.runs, args.workers, args.poll)
        sweeps = sweep_cost(app, sweep_db, args.repos, max(args.workers, 4))
    ms = [value * 1000 for value in latencies]
    print(
        f"drift delivery -> restoring PUT, {len(ms)} runs, {args.workers} workers polling every {args.poll}s:"
    )
    print(
        f"  p50 {percentile(ms, 0.5):.0f} ms, p90 {percentile(ms, 0.9):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms, mean {statistics.mean(ms):.0f} ms"
    )
    for label, sweep in zip(("cold", "steady"), sweeps, strict=True):
        print(
            f"sweep of {args.repos} unchanged repositories ({label}): {sweep['calls']} API calls "
            f"{sweep['statuses']}, {sweep['rate_limit_spent']} rate-limit units, {sweep['writes']} writes, "
            f"{sweep['seconds']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
