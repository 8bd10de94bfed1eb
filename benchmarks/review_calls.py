"""Review gate: GitHub API calls per evaluation, by the event that caused it.

Usage: python benchmarks/review_calls.py [--pulls 20] [--database-url URL]

The guard runs in process (receiver, inbox, worker, engine) against the local GitHub double over HTTP.
``--pulls`` pull requests each change a workflow; for each the script delivers, in order: ``opened``
(cold: nothing cached), a reviewer's approval, a second ``submitted`` review event for the unchanged pull
request (a comment by another user: the case the goal is about), the ``Re-evaluate`` button, a
``synchronize`` that changes only docs, and an approval of the new head. Calls are counted at the
double, per delivery; the figures are the median and maximum over the pull requests. Goal: an unchanged
pull request re-evaluated by a review event costs at most 3 calls.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.engine import Engine
from guard.handlers import ROUTER
from guard.logs import configure_logging
from guard.manifest import needs
from guard.migrate import upgrade
from guard.services import build_services
from guard.settings import load_settings
from guard.web import create_app
from guard.webhook import sign
from guard.worker import Worker
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp, generate_app

SHOW = False
SECRET = "benchmark-webhook-secret-0123456789"
REPO = "acme/widgets"
WORKFLOW = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
STEPS = (
    "opened",
    "approved",
    "review on unchanged PR",
    "re-evaluate button",
    "docs-only push",
    "approve new head",
)


class Guard:
    """The guard in process: deliveries go through the real receiver, a worker drains the inbox."""

    def __init__(self, double: GitHubDouble, app: TestApp, database_url: str) -> None:
        settings = load_settings(
            {
                "WEBHOOK_SECRET": SECRET,
                "DATABASE_URL": database_url,
                "GITHUB_API_URL": double.base_url,
                "APP_ID": str(app.app_id),
                "PRIVATE_KEY": app.private_key_pem,
            }
        )
        self.services = build_services(settings)
        upgrade(self.services.db)
        self.client = create_app(services=self.services).test_client()
        self.worker = Worker(Engine(self.services, self.services.github))

    def handle(self, event: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(body, SECRET),
        }
        answer = self.client.post("/api/github/webhooks", data=body, headers=headers)
        assert answer.status_code == 202, answer.get_data(as_text=True)
        while self.worker.run_once():
            pass


def counted(double: GitHubDouble, action: Callable[[], None], show: bool = False) -> int:
    before = len(double.calls)
    action()
    if show:
        print("  ", [f"{c.method} {c.template} {c.status}" for c in double.calls[before:]])
    return len(double.calls) - before


def one_pull(double: GitHubDouble, guard: Guard, index: int) -> list[int]:
    branch = f"change-{index}"
    double.put_file(REPO, branch, ".github/workflows/ci.yml", WORKFLOW + f"# {index}\n", author="alice")
    number = double.open_pull(REPO, branch, user="alice").number

    def review(user: str, state: str) -> Callable[[], None]:
        def run() -> None:
            review_id = double.review_pull(REPO, number, user, state)
            guard.handle("pull_request_review", webhooks.pull_request_review(double, REPO, number, review_id))

        return run

    def button() -> None:
        head = double.pull(REPO, number).head_sha
        [run] = [
            r for r in double.check_runs(REPO) if r.head_sha == head and r.name == "Pipeline Guard / review"
        ]
        payload = webhooks.check_run(double, REPO, run.id, action="requested_action", identifier="reevaluate")
        guard.handle("check_run", payload)

    def push_docs() -> None:
        before = double.pull(REPO, number).head_sha
        after = double.push_to_pull(REPO, number, "README.md", f"# docs {index}\n")
        payload = webhooks.pull_request(
            double, REPO, number, "synchronize", sender="alice", before=before, after=after
        )
        guard.handle("pull_request", payload)

    steps = [
        lambda: guard.handle("pull_request", webhooks.pull_request(double, REPO, number, "opened")),
        review("carol", "APPROVED"),
        review("erin", "COMMENTED"),
        button,
        push_docs,
        review("dave", "APPROVED"),
    ]
    return [counted(double, step, SHOW) for step in steps]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    configure_logging("console", level="WARNING")
    app = generate_app()
    double = GitHubDouble()
    double.register_app(app_id=app.app_id, public_key_pem=app.public_key_pem)
    with double, tempfile.TemporaryDirectory() as folder:
        double.add_installation("acme", permissions=needs(ROUTER)[0])
        double.add_repo(
            "acme/.github", files={"guard.yml": "pipeline_review:\n  reviewers: {teams: [security]}\n"}
        )
        double.add_repo(REPO, files={"README.md": "# widgets\n", ".github/workflows/ci.yml": WORKFLOW})
        double.add_team("acme", "security", members=["carol", "dave"])
        for login in ("alice", "carol", "dave", "erin"):
            double.set_role(REPO, login, "write")
        guard = Guard(double, app, args.database_url or f"sqlite:///{folder}/guard.db")
        rows = [one_pull(double, guard, i) for i in range(args.pulls + 1)][1:]  # the first pays for GET /app
        guard.services.db.dispose()
    print(f"GitHub API calls per evaluation, {args.pulls} pull requests changing a workflow")
    print(f"{'delivery':<26} {'median':>6} {'max':>4}")
    for step, column in zip(STEPS, zip(*rows, strict=True), strict=True):
        print(f"{step:<26} {statistics.median(column):>6g} {max(column):>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
