"""Fault suite: the guard as deployed, under a steady load, while one class of fault strikes.

For each fault class and database (SQLite, PostgreSQL) this sets up the workload on the GitHub double
(protected branches force-pushed: the guard keeps the overwritten history on a backup branch; pull
requests changing guard.yml: the guard publishes one "Pipeline Guard / config" check run), starts the
guard as real processes against the double, sends deliveries through the double's webhook at a fixed
rate while the fault strikes, lets the guard settle (recovery asks GitHub to redeliver what it failed to
deliver) and prints, judged from the double's records and the decision log (``tests/reliability/ledger.py``):

- sent: deliveries GitHub sent; acknowledged: answered 2xx on the first attempt;
- recovered: processed after GitHub redelivered them on the guard's request;
- processed: done, decided by their policy, and their action seen by GitHub;
- lost: sent but never processed; duplicated: decided twice, or their action done twice;
- repeats: mutating requests for a target beyond its first (bounded retries after lost answers).

Fault classes: SIGKILL of gunicorn and the workers at random points, SIGKILL of ``guard serve``,
PostgreSQL restarted mid-load (a private cluster: initdb into a temporary directory, its own port, run as
the ``postgres`` user; PostgreSQL only), GitHub answering 500/502, rate limits (403 with retry-after, 429
with reset), timeouts with dropped connections and slow answers. The ordering cases (redelivered, out of
order, days late) are assertions, run by pytest: ``tests/reliability/test_ordering.py``.

Run from the project root:  python benchmarks/faults.py [--long] [--database both] [--only NAME]
The default is the short version the tests run; ``--long`` sends ten times as many deliveries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp, generate_app
from tests.reliability.ledger import Tally
from tests.reliability.private_postgres import PrivatePostgres, binaries
from tests.reliability.runs import Shape, early_calls, github_faults_run, kill_run, postgres_restart_run
from tests.support import databases

Run = Callable[[GitHubDouble, TestApp, str, Path, Shape], Tally]
SHORT = {
    "sigkill gunicorn + workers": Shape(rate=3.0, total=27, faults=3, downtime=0.5),
    "sigkill guard serve": Shape(rate=3.0, total=27, faults=3, downtime=0.5),
    "postgres restarted": Shape(rate=4.0, total=36, faults=1, downtime=3.0),
    "github 500/502": Shape(rate=4.0, total=28),
    "github rate limits": Shape(rate=4.0, total=28),
    "github timeouts, slow": Shape(rate=4.0, total=28),
}
LONG_FACTOR = 10


def _runs() -> dict[str, Run]:
    def faults(kind: str) -> Run:
        return lambda double, app, url, work, shape: github_faults_run(double, app, url, work, kind, shape)

    return {
        "sigkill gunicorn + workers": lambda d, a, u, w, s: kill_run(d, a, u, w, "gunicorn", s),
        "sigkill guard serve": lambda d, a, u, w, s: kill_run(d, a, u, w, "serve", s),
        "postgres restarted": _postgres_restart,
        "github 500/502": faults("errors"),
        "github rate limits": faults("rate limits"),
        "github timeouts, slow": faults("timeouts"),
    }


def _postgres_restart(double: GitHubDouble, app: TestApp, _url: str, work: Path, shape: Shape) -> Tally:
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("initdb is not installed (Debian: apt-get install postgresql)")
    server = PrivatePostgres(bindir).initialise()
    try:
        return postgres_restart_run(double, app, server, work, shape)
    finally:
        server.destroy()


def _long(shape: Shape) -> Shape:
    return replace(
        shape,
        total=shape.total * LONG_FACTOR,
        faults=shape.faults * (LONG_FACTOR // 2) if shape.faults > 1 else 3,
        repositories=shape.repositories * 2,
        settle_timeout=600.0,
    )


def _database(kind: str, work: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{work / 'guard.db'}", lambda: None
    url = databases.create_postgres_database()
    return url, lambda: databases.drop_postgres_database(url)


def measure(name: str, kind: str, shape: Shape, app: TestApp) -> dict[str, object]:
    double = GitHubDouble(validate_responses=True)
    double.register_app(app_id=app.app_id, public_key_pem=app.public_key_pem)
    started = time.monotonic()
    with double, tempfile.TemporaryDirectory(prefix="guard-faults-") as tmp:
        work = Path(tmp)
        url, drop = _database(kind, work)
        try:
            result = _runs()[name](double, app, url, work, shape)
        finally:
            drop()
        kind_of_fault = {"github rate limits": "rate limits", "github timeouts, slow": "timeouts"}.get(name)
        early = len(early_calls(double, kind_of_fault)) if kind_of_fault else 0
    row: dict[str, object] = {"fault": name, "database": kind, **result.row()}
    row |= {"early_calls": early, "seconds": round(time.monotonic() - started, 1)}
    row["answers"] = dict(sorted(result.answers.items()))
    row["github_errors"] = {s: n for s, n in sorted(result.github_answers.items()) if s >= 400 or s == 0}
    if result.notes:
        row["notes"] = result.notes[:10]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--long", action="store_true", help="the full suite: ten times the deliveries")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--only", action="append", choices=sorted(SHORT), help="run only these classes")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    app = generate_app()
    rows = []
    for name in args.only or list(SHORT):
        shape = _long(SHORT[name]) if args.long else SHORT[name]
        for kind in kinds:
            if name == "postgres restarted" and kind == "sqlite":
                continue
            row = measure(name, kind, replace(shape, seed=uuid.uuid4().int % 1000), app)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    print(
        "\n| fault | database | sent | acknowledged | recovered | processed | lost | duplicated | repeats "
        "| requests while told to wait | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['fault']} | {r['database']} | {r['sent']} | {r['acknowledged']} | {r['recovered']} | "
            f"{r['processed']} | {r['lost']} | {r['duplicated']} | {r['repeats']} | {r['early_calls']} | "
            f"{r['seconds']} |"
        )


if __name__ == "__main__":
    main()
