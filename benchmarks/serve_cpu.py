"""``guard serve`` (the single-machine default) answering deliveries sent one at a time, each connected anew.

Its built-in server starts a thread for every connection, so each delivery here meets a new thread, as a
webhook from GitHub does. Prints, per delivery: the time to answer, and the CPU of the serve process
(receiver and its in-process workers) and of PostgreSQL, ended backends included, over the sending and
the processing that follows.

Run from the project root:  python benchmarks/serve_cpu.py [--database both] [--count 500]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import cpu_use
from benchmarks.ingest import SECRET, drain, free_port, guard_env, payload, start, wait_ready
from guard.webhook import sign
from tests.support.databases import scratch_database

WARM_UP = 20


def post(port: int, body: bytes) -> int:
    """One signed push on a connection of its own; the answer's status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": uuid.uuid4().hex,
        "X-Hub-Signature-256": sign(body, SECRET),
    }
    try:
        connection.request("POST", "/api/github/webhooks", body, headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def run(kind: str, count: int) -> dict[str, Any]:
    body = json.dumps(payload(1)).encode()
    with scratch_database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = guard_env(url, port, Path(tmp))
        guard = [sys.executable, "-m", "guard"]
        subprocess.run([*guard, "migrate"], cwd=tmp, env=env, check=True, capture_output=True)
        serve = start([*guard, "serve"], env, Path(tmp) / "guard.log")
        try:
            wait_ready(port)
            for _ in range(WARM_UP):
                post(port, body)
            drain(url, 30)
            groups, names = {"serve": {serve.pid}}, {"postgres": "postgres"}
            before, started = cpu_use.read(groups, names, reaped=True), time.perf_counter()
            statuses = [post(port, body) for _ in range(count)]
            elapsed = time.perf_counter() - started
            drain(url, 60)
            after = cpu_use.read(groups, names, reaped=True)
        finally:
            serve.terminate()
            serve.wait(30)
    used = {role: 1000 * (after.roles[role] - before.roles[role]) / count for role in after.roles}
    answered = {str(status): statuses.count(status) for status in sorted(set(statuses))}
    return {"database": kind, "count": count, "answers": answered, "ms": 1000 * elapsed / count, **used}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--count", type=int, default=500, help="deliveries sent")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    results = [run(kind, args.count) for kind in kinds]
    print("| database | deliveries | answers | time to answer | serve CPU | PostgreSQL CPU |")
    print("|---|---|---|---|---|---|")
    for r in results:
        pg = f"{r['postgres']:.2f} ms" if r["database"] == "postgres" else "-"
        times = f"{r['ms']:.2f} ms | {r['serve']:.2f} ms | {pg}"
        print(f"| {r['database']} | {r['count']} | {r['answers']} | {times} |")


if __name__ == "__main__":
    main()
