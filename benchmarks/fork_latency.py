"""Fork safety: time from a delivery to the cancel request, and to the deployment decision, under load.

Usage: python benchmarks/fork_latency.py [--runs 100] [--background 10] [--workers 2] [--poll 0.5]
                                         [--database-url URL]

The guard runs as in production: its web app on a real HTTP server (the receiver), ``--workers`` worker
threads polling the inbox every ``--poll`` seconds when idle (``guard serve``'s default), and the local
GitHub double standing in for api.github.com over HTTP. A background thread posts ``--background``
other deliveries per second for the whole measurement (``workflow_run.completed`` of trusted runs and
default-branch pushes, spread over ten other repositories), so the workers are never idle for long.

Each measured run starts a fork pull request's run in the double and posts its delivery to the
receiver, at a random moment: a ``workflow_run.requested`` of a ``pull_request_target`` workflow that
builds the pull request's head (timed until the double receives ``POST …/cancel``), or a
``deployment_protection_rule.requested`` for ``production`` (timed until it receives the verdict,
``POST …/deployment_protection_rule``). Goal: p99 under 1 s for both.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.protection import guard, percentile, post
from guard.logs import configure_logging
from tests.github_double import actions_webhooks, webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp, generate_app
from tests.github_double.pipeline import Call
from tests.handlers.fork_world import (
    BUILD,
    BUILD_WORKFLOW,
    CI,
    CI_WORKFLOW,
    DEPLOY,
    DEPLOY_WORKFLOW,
    FORK,
    GUARD_YML,
    PERMISSIONS,
    REPO,
)

CANCEL = "/repos/{owner}/{repo}/actions/runs/{run_id}/cancel"
REVIEW = "/repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule"
OTHERS = [f"acme/service-{i}" for i in range(10)]


class TimedDouble(GitHubDouble):
    """The double, noting when the cancel and the deployment verdict of each run arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[tuple[str, int], float] = {}
        self.seen = threading.Condition()

    def record(self, call: Call) -> None:
        super().record(call)
        if call.method == "POST" and call.template in (CANCEL, REVIEW):
            run_id = int(call.path.split("/actions/runs/")[1].split("/")[0])
            with self.seen:
                self.arrived[(call.template, run_id)] = time.perf_counter()
                self.seen.notify_all()

    def wait_for(self, template: str, run_id: int, timeout: float = 30.0) -> float:
        with self.seen:
            if not self.seen.wait_for(lambda: (template, run_id) in self.arrived, timeout):
                raise RuntimeError(f"no {template} for run {run_id} within {timeout} s")
            return self.arrived[(template, run_id)]


def arrange(double: TimedDouble) -> int:
    double.add_installation("acme", permissions=PERMISSIONS)
    files = {BUILD: BUILD_WORKFLOW, CI: CI_WORKFLOW, DEPLOY: DEPLOY_WORKFLOW, ".github/guard.yml": GUARD_YML}
    double.add_repo(REPO, visibility="public", files=files)
    double.add_repo(FORK, visibility="public", fork=True, installed=False, files=files)
    double.put_file(FORK, "patch", "src/index.js", "steal(process.env)\n")
    double.add_environment(REPO, "production", secrets=("DEPLOY_KEY",), guarded=True)
    for name in OTHERS:
        double.add_repo(name, files={CI: CI_WORKFLOW, ".github/guard.yml": GUARD_YML})
    return double.open_pull(REPO, "patch", head_repo=FORK, user="mallory").number


def background(double: TimedDouble, url: str, rate: float, stop: threading.Event, sent: list[int]) -> None:
    """Post ``rate`` other deliveries per second until stopped: trusted runs finishing, and pushes."""
    with requests.Session() as session:
        index = 0
        while not stop.is_set():
            name = OTHERS[index % len(OTHERS)]
            if index % 2:
                run = double.start_run(name, CI, event="push", status="completed")
                post(session, url, "workflow_run", actions_webhooks.workflow_run(double, run.id, "completed"))
            else:
                before = double.head(name)
                after = double.put_file(name, "main", "README.md", f"change {index}\n")
                post(session, url, "push", webhooks.push(double, name, "refs/heads/main", before, after))
            index += 1
            sent[0] = index
            stop.wait(1 / rate)


def measure(
    app: TestApp, database_url: str, runs: int, *, rate: float, workers: int, poll: float
) -> tuple[list[float], list[float], int, float]:
    double = TimedDouble()
    double.register_app(app_id=app.app_id, public_key_pem=app.public_key_pem)
    cancels: list[float] = []
    decisions: list[float] = []
    with double:
        pull = arrange(double)
        with guard(double, app, database_url, workers, poll) as (url, _), requests.Session() as session:
            stop, sent = threading.Event(), [0]
            loader = threading.Thread(target=background, args=(double, url, rate, stop, sent), daemon=True)
            started = time.perf_counter()
            loader.start()
            try:
                for index in range(2 * runs + 2):
                    time.sleep(random.uniform(0, poll))
                    cancel = index % 2 == 0
                    path = BUILD if cancel else DEPLOY
                    run = double.start_run(
                        REPO, path, event="pull_request_target", pull=pull, actor="mallory"
                    )
                    if cancel:
                        payload = actions_webhooks.workflow_run(double, run.id, "requested")
                        begun = time.perf_counter()
                        post(session, url, "workflow_run", payload)
                        took = double.wait_for(CANCEL, run.id) - begun
                    else:
                        payload = actions_webhooks.deployment_protection_rule(double, run.id, "production")
                        begun = time.perf_counter()
                        post(session, url, "deployment_protection_rule", payload)
                        took = double.wait_for(REVIEW, run.id) - begun
                    if index >= 2:  # the first of each pays for GET /app and the token, once per process
                        (cancels if cancel else decisions).append(took)
            finally:
                stop.set()
                loader.join()
            elapsed = time.perf_counter() - started
    return cancels, decisions, sent[0], elapsed


def line(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {label}: p50 {percentile(ms, 0.5):.0f} ms, p90 {percentile(ms, 0.9):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms, mean {statistics.mean(ms):.0f} ms "
        f"({len(ms)} runs)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100, help="measured runs of each kind")
    parser.add_argument("--background", type=float, default=10.0, help="other deliveries per second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--poll", type=float, default=0.5, help="worker idle poll interval (guard serve: 0.5)"
    )
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    configure_logging("console", level=30)
    app = generate_app()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/fork.db"
        cancels, decisions, sent, elapsed = measure(
            app, database_url, args.runs, rate=args.background, workers=args.workers, poll=args.poll
        )
    print(
        f"fork safety under {sent / elapsed:.1f} background deliveries/s ({sent} in {elapsed:.0f} s), "
        f"{args.workers} workers polling every {args.poll}s when idle:"
    )
    print(line("delivery -> cancel request", cancels))
    print(line("delivery -> deployment decision", decisions))
    return 0


if __name__ == "__main__":
    sys.exit(main())
