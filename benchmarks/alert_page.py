"""Alert page benchmark: the first page of ``GET /alerts`` for a signed-in reader over 100,000 alerts.

Stores the same alerts as ``benchmarks/alerts_api.py`` (one organisation, ``acme``), then moves every
hundredth to a second organisation, ``globex``, with its repository. A session is created for a reader of
``acme`` (99% of the alerts in scope) and one of ``globex`` (1%, the reader whose scope the newest-first
walk must search furthest for). PostgreSQL's statistics are refreshed after the load (``ANALYZE``, as
autovacuum would). Each filter is timed through the real Flask app in process (session
lookup, scoped query, template) after warm-up requests; p50, p95 and max are printed.

Run from the project root:  python benchmarks/alert_page.py [--alerts 100000] [--runs 30] [--database both]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.alerts_api import FILTERS, database, fill
from guard.db import Database, alerts
from guard.migrate import upgrade
from guard.services import build_services
from guard.sessions import SessionStore
from guard.settings import load_settings
from guard.signin_pages import SESSION_COOKIE
from guard.web import create_app


def move_to_globex(db: Database) -> None:
    moved = {"organisation": "globex", "repository": sa.func.replace(alerts.c.repository, "acme/", "globex/")}
    with db.write() as conn:
        conn.execute(alerts.update().where(alerts.c.id % 100 == 0).values(**moved))
    if db.is_postgres:  # what autovacuum does soon after a bulk change; the planner needs the statistics
        with db.write() as conn:
            conn.execute(sa.text("ANALYZE alerts"))


def timings(client: object, query: dict[str, str], runs: int) -> tuple[list[float], int]:
    get = client.get  # type: ignore[attr-defined]
    for _ in range(3):
        get("/alerts", query_string=query)
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = get("/alerts", query_string=query)
        found.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.status_code
    rows = answer.get_data(as_text=True).count('data-label="Alert"')
    return sorted(found), rows


def measure(url: str, count: int, runs: int) -> list[str]:
    settings = load_settings({"WEBHOOK_SECRET": "benchmark-webhook-secret-0123456789", "DATABASE_URL": url})
    services = build_services(settings)
    upgrade(services.db)
    seconds = fill(services.db, count)
    move_to_globex(services.db)
    print(f"stored {count:,} alerts in {seconds:.1f} s")
    lines = ["| reader of | filter | page | p50 | p95 | max |", "|---|---|---|---|---|---|"]
    app = create_app(services=services)
    for organisation in ("acme", "globex"):
        session_id, _ = SessionStore(services.db).create("reader", (organisation,))
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, session_id)
        for query in FILTERS:
            found, rows = timings(client, query, runs)
            p95 = found[max(0, round(0.95 * len(found)) - 1)]
            label = "&".join(f"{k}={v}" for k, v in query.items()) or "(none)"
            lines.append(
                f"| {organisation} | `{label}` | {rows} | {statistics.median(found):.1f} ms "
                f"| {p95:.1f} ms | {found[-1]:.1f} ms |"
            )
    services.db.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    for kind in kinds:
        with database(kind) as url:
            print(f"\n{kind}")
            for line in measure(url, args.alerts, args.runs):
                print(line)


if __name__ == "__main__":
    main()
