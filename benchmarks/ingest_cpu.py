"""CPU per delivery, in-process: the receiver (Flask test client) and Worker.run_once, without HTTP or wrk.

In each of ``--rounds`` rounds, stores ``--count`` signed ~25 KB push deliveries (the ingest benchmark's
bodies) through the receiver, then processes them all with one worker, and prints the CPU time per
delivery of each path (process time, so waits on the database server are not counted) and, beside it,
the CPU of the machine's PostgreSQL processes in the same time (the server's share; other clients of the
server would add to it). The cheapest round is reported: other jobs on a shared machine only add to the
cost. JSON logs go to a file, as under gunicorn. ``--profile [tottime]`` prints the top functions (the
figures then include the profiler's cost).

Run from the project root:  python benchmarks/ingest_cpu.py [--database both] [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import logging
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient

from benchmarks import cpu_use
from benchmarks.ingest import SECRET, payload
from guard.engine import Engine
from guard.logs import configure_logging
from guard.services import build_services
from guard.settings import load_settings
from guard.web import create_app
from guard.webhook import sign
from guard.worker import Worker
from tests.support.databases import scratch_database

BODIES = 16
SERVER = {"postgres": "postgres"}


def measured(label: str, count: int, work: Callable[[], None], profile: str | None) -> dict[str, Any]:
    """Run ``work`` (which handles ``count`` deliveries) and report CPU and wall time per delivery."""
    profiler = cProfile.Profile() if profile else None
    server = cpu_use.read({}, SERVER)
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    work()
    if profiler:
        profiler.disable()
        print(f"\n== {label} ==", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(profile).print_stats(45)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    server_cpu = cpu_use.read({}, SERVER).roles["postgres"] - server.roles["postgres"]
    return {
        "path": label,
        "count": count,
        "cpu_ms": 1000 * cpu / count,
        "wall_ms": 1000 * wall / count,
        "server_ms": 1000 * server_cpu / count,
    }


@contextlib.contextmanager
def logs_to(path: Path) -> Iterator[None]:
    """JSON log lines to a file, as gunicorn and ``guard worker`` write them to a redirected stderr."""
    with path.open("w") as stream:
        configure_logging("json")
        handler = logging.getLogger().handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        yield


def run(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Rounds of receiving, then processing, ``args.count`` deliveries; the cheapest round counts."""
    with scratch_database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"WEBHOOK_SECRET": SECRET, "DATABASE_URL": url, "GUARD_DATA_DIR": str(work)}
        env |= {"GUARD_INBOX_LIMIT": "1000000", "LOG_FORMAT": "json"}
        settings = load_settings(env)
        with logs_to(work / "guard.log"):
            services = build_services(settings)
            client = create_app(settings, services).test_client()
            worker = Worker(Engine(services), name="cpu-worker")
            rounds = [one_round(client, worker, args, r) for r in range(args.rounds)]
            services.db.dispose()
    return [
        {"database": kind, **min((r[index] for r in rounds), key=lambda m: m["cpu_ms"])} for index in (0, 1)
    ]


def one_round(
    client: FlaskClient, worker: Worker, args: argparse.Namespace, number: int
) -> list[dict[str, Any]]:
    bodies = [json.dumps(payload(i)).encode() for i in range(1, BODIES + 1)]
    signatures = [sign(body, SECRET) for body in bodies]

    def receive() -> None:
        for n in range(args.count):
            headers = {
                "X-GitHub-Event": "push",
                "X-GitHub-Delivery": f"cpu-{number}-{n}",
                "X-Hub-Signature-256": signatures[n % BODIES],
            }
            answer = client.post(
                "/api/github/webhooks",
                data=bodies[n % BODIES],
                headers=headers,
                content_type="application/json",
            )
            assert answer.status_code == 202, answer.get_data(as_text=True)

    def process() -> None:
        done = 0
        while worker.run_once():
            done += 1
        assert done == args.count, done

    return [
        measured("receive", args.count, receive, args.profile),
        measured("process", args.count, process, args.profile),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--count", type=int, default=1000, help="deliveries per round")
    parser.add_argument("--rounds", type=int, default=5, help="the cheapest round is reported")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="cumulative",
        help="print a cProfile of each path, sorted by this column (cumulative, tottime)",
    )
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    results = [r for kind in kinds for r in run(kind, args)]
    print(
        "| database | path | deliveries | CPU per delivery | wall per delivery "
        "| PostgreSQL CPU per delivery |"
    )
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['database']} | {r['path']} | {r['count']} | {r['cpu_ms']:.2f} ms | {r['wall_ms']:.2f} ms "
            f"| {r['server_ms']:.2f} ms |"
        )


if __name__ == "__main__":
    main()
