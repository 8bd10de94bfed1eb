"""Ingest benchmark: signed ~25 KB deliveries at gunicorn, a worker killed with SIGKILL midway.

For each database (SQLite, PostgreSQL) this starts the guard as deployed — ``gunicorn app:app`` with the
project's gunicorn.conf.py and two ``guard worker`` processes — drives signed push deliveries at a fixed
rate with wrk (Debian's ``wrk``; each request has its own X-GitHub-Delivery), SIGKILLs one worker in the
middle of the run and starts a replacement, waits for the inbox to drain, and prints:

- throughput and the time to answer (p50, p99, max) measured by wrk;
- lost: deliveries answered 2xx that are not stored, or stored but never processed;
- processed twice: deliveries with more decisions than one processing records (every delivery is the same
  push, so one processing records the count most of them have; several handlers of one policy each
  record a decision).

Run from the project root:  python benchmarks/ingest.py [--rate 600] [--duration 20] [--database both]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import cpu_use
from guard.db import Database, decisions, deliveries
from guard.listening import MIGRATE_QUEUED, spread_connections
from guard.webhook import sign
from tests.support.databases import scratch_database

SECRET = "benchmark-webhook-secret-0123456789"
BODIES = 64
PROCESS_NAMES = {"postgres": "postgres"}
LUA = r"""
-- dir, acked and statuses are globals so that done() can read them from each thread with thread:get.
dir, acked, statuses, thread_id = nil, {}, {}, 0
local count, pause, bodies, signatures, sent = 0, 0, {}, {}, 0
local threads, next_id = {}, 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  dir, count, pause = args[1], tonumber(args[2]), tonumber(args[3])
  for i = 1, count do
    local f = io.open(dir .. "/body-" .. i .. ".json", "rb"); bodies[i] = f:read("*a"); f:close()
    local s = io.open(dir .. "/body-" .. i .. ".sig", "rb"); signatures[i] = s:read("*a"); s:close()
  end
end

function delay()
  return pause
end

function request()
  sent = sent + 1
  local i = (sent % count) + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "push",
    ["X-GitHub-Delivery"] = string.format("bench-%d-%d", thread_id, sent),
    ["X-Hub-Signature-256"] = signatures[i],
  }
  return wrk.format("POST", nil, headers, bodies[i])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 200 and status < 300 then
    local id = string.match(body, '"delivery":"([^"]+)"')
    if id then table.insert(acked, id) end
  end
end

function done(summary, latency, requests)
  local out = io.open(threads[1]:get("dir") .. "/acked.txt", "w")
  local codes = {}
  for _, thread in ipairs(threads) do
    for _, id in ipairs(thread:get("acked")) do out:write(id, "\n") end
    for code, n in pairs(thread:get("statuses")) do
      codes[tostring(code)] = (codes[tostring(code)] or 0) + n
    end
  end
  out:close()
  local parts = {}
  for code, n in pairs(codes) do table.insert(parts, string.format('"%s": %d', code, n)) end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, "errors": %d, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def payload(index: int) -> dict[str, Any]:
    """A push payload of about 25 KB for one of BODIES repositories (so workers share the load)."""
    base = json.loads((ROOT / "docs/examples/deliveries/push.json").read_text())
    repo = base["repository"] | {
        "id": 9_000_000 + index,
        "name": f"repo-{index}",
        "full_name": f"bench-org/repo-{index}",
    }
    commit = {
        "id": "c" * 40,
        "tree_id": "d" * 40,
        "distinct": True,
        "message": "Bump the widget " * 40,
        "timestamp": "2026-11-01T10:00:00Z",
        "url": "https://github.com/bench-org/x/commit/c",
        "author": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
        "committer": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
        "added": [f"src/module_{n}.py" for n in range(20)],
        "removed": [],
        "modified": ["README.md"],
    }
    body = base | {"repository": repo, "ref": "refs/heads/main", "installation": {"id": 1}, "commits": []}
    while len(json.dumps(body)) < 25_000:
        body["commits"].append(commit | {"id": uuid.uuid4().hex + uuid.uuid4().hex[:8]})
    return body


def write_inputs(directory: Path) -> int:
    sizes = []
    for index in range(1, BODIES + 1):
        raw = json.dumps(payload(index)).encode()
        (directory / f"body-{index}.json").write_bytes(raw)
        (directory / f"body-{index}.sig").write_text(sign(raw, SECRET))
        sizes.append(len(raw))
    (directory / "bench.lua").write_text(LUA)
    return sum(sizes) // len(sizes)


def guard_env(url: str, port: int, data_dir: Path) -> dict[str, str]:
    """The guard's environment in a benchmark: this checkout's code, no App credentials, no inbox limit."""
    env = os.environ | {
        "WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": url,
        "PORT": str(port),
        "LOG_FORMAT": "json",
        "GUARD_INBOX_LIMIT": "1000000",
        "GUARD_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(ROOT),
    }
    for secret in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH"):
        env.pop(secret, None)
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    stream = log.open("ab")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=stream, stderr=stream, start_new_session=True)


def wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become ready")


def drain(url: str, timeout: float) -> float:
    """Seconds until nothing is queued or in progress."""
    db, started = Database(url), time.monotonic()
    while time.monotonic() - started < timeout:
        with db.read() as conn:
            pending = conn.execute(
                sa.select(sa.func.count()).where(deliveries.c.state.in_(("queued", "processing")))
            ).scalar_one()
        if pending == 0:
            break
        time.sleep(0.5)
    db.dispose()
    return time.monotonic() - started


def count_outcomes(url: str, acked: set[str]) -> dict[str, int]:
    db = Database(url)
    with db.read() as conn:
        states = dict(conn.execute(sa.select(deliveries.c.delivery_id, deliveries.c.state)).all())
        recorded = dict(
            conn.execute(
                sa.select(deliveries.c.delivery_id, sa.func.count(decisions.c.id))
                .join(decisions, decisions.c.delivery_pk == deliveries.c.id)
                .group_by(deliveries.c.delivery_id)
            ).all()
        )
    db.dispose()
    once = Counter(recorded.values()).most_common(1)[0][0] if recorded else 0
    return {
        "acked": len(acked),
        "stored": len(states),
        "lost_unstored": len(acked - states.keys()),
        "lost_unprocessed": sum(1 for d in acked if states.get(d) not in ("done", None)),
        "processed": sum(1 for state in states.values() if state == "done"),
        "decisions_per_delivery": once,
        "processed_twice": sum(1 for count in recorded.values() if count > once),
    }


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with scratch_database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        size = write_inputs(work)
        port = free_port()
        env = guard_env(url, port, work) | {
            "GUARD_LEASE_SECONDS": "10",
            "GUARD_WORKER_THREADS": "2",
            "WEB_CONCURRENCY": str(args.web_workers),
            "GUNICORN_THREADS": str(args.web_threads),
        }
        guard = [sys.executable, "-m", "guard"]
        worker = ["nice", "-n", str(args.worker_nice), *guard, "worker"]
        subprocess.run([*guard, "migrate"], cwd=work, env=env, check=True, capture_output=True)
        log = work / "guard.log"
        web = start([sys.executable, "-m", "gunicorn", "app:app"], env, log)
        workers = [start(worker, env, log) for _ in range(args.workers)]
        groups = {"receiver": {web.pid}, "workers": {w.pid for w in workers}}
        try:
            wait_ready(port)
            start_cpu = cpu_use.read(groups, PROCESS_NAMES, children="wrk")
            pause = max(1, round(1000 * args.connections / args.rate))
            wrk = subprocess.Popen(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--latency",
                    "-s",
                    str(work / "bench.lua"),
                    f"http://127.0.0.1:{port}/api/github/webhooks",
                    "--",
                    str(work),
                    str(BODIES),
                    str(pause),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(args.duration / 2)
            if workers:
                os.killpg(workers[0].pid, signal.SIGKILL)
                workers[0] = start(worker, env, log)
                groups["workers"].add(workers[0].pid)
            out, _ = wrk.communicate(timeout=args.duration + 60)
            load_cpu = cpu_use.read(groups, PROCESS_NAMES, children="wrk")
            print(out, file=sys.stderr)
            summary = json.loads(out.strip().splitlines()[-1])
            drained = drain(url, timeout=300) if workers else 0.0
            end_cpu = cpu_use.read(groups, PROCESS_NAMES, children="wrk")
            acked = set((work / "acked.txt").read_text().split())
            outcome = count_outcomes(url, acked)
        finally:
            for process in [web, *workers]:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in [web, *workers]:
                process.wait(timeout=30)
    seconds = summary["duration_us"] / 1e6
    return {
        "database": kind,
        "body_bytes": size,
        "requests": summary["requests"],
        "per_second": summary["requests"] / seconds,
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "max_ms": summary["max_us"] / 1000,
        "statuses": summary["statuses"],
        "socket_errors": summary["errors"],
        "drain_s": drained,
        "cores_under_load": cpu_use.cores(start_cpu, load_cpu),
        "cpu_ms_per_delivery": {
            role: 1000 * (end_cpu.roles[role] - start_cpu.roles[role]) / summary["requests"]
            for role in end_cpu.roles
        },
        **outcome,
    }


def listening() -> str:
    """How gunicorn.conf.py listens on this machine, and the settings that chose it."""
    try:
        migrate = Path(MIGRATE_QUEUED).read_text().strip()
    except OSError:
        migrate = "absent"
    choice = os.environ.get("GUNICORN_REUSE_PORT", "auto")
    how = "a socket per process" if spread_connections(choice) else "one shared socket"
    return f"{how} (GUNICORN_REUSE_PORT={choice}, net.ipv4.tcp_migrate_req={migrate})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rate", type=int, default=600, help="target deliveries per second")
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--web-threads", type=int, default=8, help="threads per gunicorn process")
    parser.add_argument("--workers", type=int, default=2, help="guard worker processes (0: only receive)")
    parser.add_argument(
        "--worker-nice", type=int, default=10, help="CPU niceness of the workers (see README)"
    )
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    results = [run(kind, args) for kind in kinds]
    print(json.dumps(results, indent=2))
    print(f"\nlistening: {listening()}")
    print(
        "\n| database | body | sent | per second | p50 ms | p99 ms | max ms | acked | lost | processed twice "
        "| drain after load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        lost = r["lost_unstored"] + r["lost_unprocessed"]
        print(
            f"| {r['database']} | {r['body_bytes'] / 1000:.1f} KB | {r['requests']} | "
            f"{r['per_second']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.0f} | "
            f"{r['acked']} | {lost} | {r['processed_twice']} | {r['drain_s']:.1f} s |"
        )
    print(
        "\n| database | CPU ms per delivery, load and drain: receiver | workers | PostgreSQL | wrk "
        "| cores under load: receiver | workers | PostgreSQL | wrk | machine |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        per, used = r["cpu_ms_per_delivery"], r["cores_under_load"]
        roles = ("receiver", "workers", "postgres", "wrk")
        print(
            f"| {r['database']} | "
            + " | ".join(f"{per[role]:.2f}" for role in roles)
            + " | "
            + " | ".join(f"{used[role]:.2f}" for role in (*roles, "machine"))
            + " |"
        )


if __name__ == "__main__":
    main()
