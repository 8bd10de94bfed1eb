"""Alert API benchmark: a filtered first page of ``GET /api/alerts`` over 100,000 stored alerts.

For each database this migrates a fresh one, stores the alerts in bulk (spread over 200 repositories,
the five policies, every severity and state, and 90 days), creates an API token, and times
``GET /api/alerts`` with each filter through the real Flask app in process (token check, query, JSON),
after a few warm-up requests. It prints, per filter, the rows that match, the page size, and p50, p95 and
max of the time to answer. The bulk insert bypasses the hash chain (only listing is measured).

Run from the project root:  python benchmarks/alerts_api.py [--alerts 100000] [--runs 50] [--database both]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.alert_queries import POLICIES, STATES, filter_conditions, parse_filter
from guard.db import Database, alerts
from guard.migrate import upgrade
from guard.services import build_services
from guard.settings import load_settings
from guard.tokens import TokenStore
from guard.web import create_app
from tests.support.databases import scratch_database

NOW = 1_800_000_000.0
DAY = 86_400.0
FILTERS: tuple[dict[str, str], ...] = (
    {},
    {"min_severity": "high"},
    {"state": "open"},
    {"policy": "fork_secrets"},
    {"repository": "acme/repo-042"},
    {"since": "2027-01-14T08:00:00Z"},
    {"policy": "system", "state": "acknowledged"},
    {"state": "open", "min_severity": "critical", "repository": "acme/repo-042"},
)


def alert_rows(count: int, rng: random.Random) -> Iterator[dict[str, object]]:
    severities = (0, 1, 2, 3, 4)
    for number in range(count):
        updated = NOW - rng.random() * 90 * DAY
        policy = rng.choices(POLICIES, weights=(35, 25, 25, 10, 5))[0]
        repository = f"acme/repo-{rng.randrange(200):03d}"
        yield {
            "created_at": updated - rng.random() * DAY,
            "updated_at": updated,
            "last_seen_at": updated,
            "count": rng.randint(1, 5),
            "severity": rng.choices(severities, weights=(10, 25, 35, 20, 10))[0],
            "policy": policy,
            "rule": f"{policy}-rule-{rng.randrange(6)}",
            "organisation": "acme",
            "repository": repository,
            "subject": f"refs/heads/branch-{number}",
            "actor": f"user{rng.randrange(500)}",
            "title": f"Finding {number} on {repository}",
            "details": "Evidence: " + "x" * rng.randrange(200, 1200),
            "delivery_id": str(uuid.UUID(int=rng.getrandbits(128))),
            "dedupe_key": f"{policy}|rule|{repository}|{number}",
            "state": rng.choices(STATES, weights=(10, 20, 70))[0],
        }


def fill(database: Database, count: int) -> float:
    started = time.perf_counter()
    rows = alert_rows(count, random.Random(8))
    while batch := [row for _, row in zip(range(5000), rows, strict=False)]:
        with database.write() as conn:
            conn.execute(alerts.insert(), batch)
    return time.perf_counter() - started


def matching(database: Database, query: dict[str, str]) -> int:
    conditions = filter_conditions(parse_filter(query), hinted=False)
    with database.read() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(alerts).where(*conditions)).scalar_one()
        )


def measure(url: str, count: int, runs: int) -> list[str]:
    settings = load_settings({"WEBHOOK_SECRET": "benchmark-webhook-secret-0123456789", "DATABASE_URL": url})
    services = build_services(settings)
    upgrade(services.db)
    seconds = fill(services.db, count)
    token = TokenStore(services.db).create("benchmark")
    client = create_app(services=services).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    print(f"stored {count:,} alerts in {seconds:.1f} s")
    print("| filter | matching | page | p50 | p95 | max |\n|---|---|---|---|---|---|")
    lines = []
    for query in FILTERS:
        for _ in range(5):
            client.get("/api/alerts", query_string=query, headers=headers)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = client.get("/api/alerts", query_string=query, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        page = len(answer.get_json()["alerts"])
        timings.sort()
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        label = "&".join(f"{k}={v}" for k, v in query.items()) or "(none)"
        lines.append(
            f"| `{label}` | {matching(services.db, query):,} | {page} | {statistics.median(timings):.1f} ms "
            f"| {p95:.1f} ms | {timings[-1]:.1f} ms |"
        )
    services.db.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    for kind in kinds:
        with scratch_database(kind) as url:
            print(f"\n{kind}")
            for line in measure(url, args.alerts, args.runs):
                print(line)


if __name__ == "__main__":
    main()
