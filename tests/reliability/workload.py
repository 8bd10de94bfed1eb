"""The fault suite's workload: the branch-protection and configuration policies, driven through the double.

An organisation ``acme`` whose ``guard.yml`` declares enforced protection on every default branch, and
``repositories`` protected repositories. Each delivery has exactly one thing the guard must do, on a
target no other delivery shares, so "done once" can be read from the calls the double received:

- ``force``: a force push to a protected ``main`` -> one branch ``guard/backup/main/<sha>`` created
  (``POST /repos/{owner}/{repo}/git/refs``) keeping the overwritten commit, and a critical alert;
- ``config``: a pull request proposing a ``.github/guard.yml`` -> one check run "Pipeline Guard / config"
  created for its head commit (``POST /repos/{owner}/{repo}/check-runs``).

``Load`` sends them the way GitHub does (``double.send_webhook``: signed, one GUID each, every attempt
recorded with its answer) at a steady rate from a few sender threads.
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from guard.handlers import ROUTER
from guard.manifest import needs
from policies.branch_protection.actions import backup_branch_name
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TEST_APP_ID

# What the guard's manifest asks for, so every 403 in a run is an injected rate limit, never a refusal.
PERMISSIONS = needs(ROUTER)[0]
ORG_FILE = """\
branch_protection:
  mode: enforce
  branches:
    - pattern: ~default
      required_approvals: 2
"""
PROPOSAL = "# proposal {n}\nbranch_protection:\n  mode: enforce\n"
DECLARED_BODY = {
    "required_status_checks": {
        "strict": False,
        "checks": [{"context": "Pipeline Guard / review", "app_id": TEST_APP_ID}],
    },
    "enforce_admins": False,
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "required_approving_review_count": 2,
        "require_last_push_approval": True,
    },
    "restrictions": None,
    "required_linear_history": False,
    "allow_force_pushes": False,
    "allow_deletions": False,
    "required_conversation_resolution": False,
    "block_creations": False,
    "lock_branch": False,
    "allow_fork_syncing": False,
}
REFS = "/repos/{owner}/{repo}/git/refs"
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"


@dataclass(frozen=True)
class Expected:
    """One delivery and the single action it must lead to (``target`` is unique across the run)."""

    guid: str
    kind: str
    repository: str
    target: str
    policy: str


def set_up(double: GitHubDouble, repositories: int) -> list[str]:
    """Install the App on ``acme`` with its declaration, and protect ``repositories`` repositories."""
    double.add_installation("acme", permissions=PERMISSIONS)
    double.add_repo("acme/.github", files={"guard.yml": ORG_FILE})
    double.protect("acme/.github", "main", DECLARED_BODY)
    names = [f"acme/service-{n}" for n in range(repositories)]
    for name in names:
        double.add_repo(name, files={"README.md": f"# {name}\n", "app.py": "print('v0')\n"})
        double.protect(name, "main", DECLARED_BODY)
    return names


class Deliveries:
    """Builds each delivery from the double's state; one builder per repository at a time."""

    def __init__(self, double: GitHubDouble, repositories: list[str], config_share: float = 0.25) -> None:
        self.double = double
        self.repositories = repositories
        self.config_every = max(1, round(1 / config_share)) if config_share else 0
        self._counter = itertools.count()
        self._locks = {name: threading.Lock() for name in repositories}

    def build(self) -> tuple[str, dict[str, Any], str, str, str]:
        """(event, payload, kind, repository, target) for the next delivery."""
        n = next(self._counter)
        repo = self.repositories[n % len(self.repositories)]
        with self._locks[repo]:
            if self.config_every and n % self.config_every == self.config_every - 1:
                return self._proposal(repo, n)
            return self._force_push(repo, n)

    def _force_push(self, repo: str, n: int) -> tuple[str, dict[str, Any], str, str, str]:
        before, after = self.double.force_push(repo, "main", "app.py", f"print('v{n}')\n")
        payload = webhooks.push(self.double, repo, "refs/heads/main", before, after, forced=True)
        return "push", payload, "force", repo, f"refs/heads/{backup_branch_name('main', before)}"

    def _proposal(self, repo: str, n: int) -> tuple[str, dict[str, Any], str, str, str]:
        branch = f"proposal-{n}"
        self.double.put_file(repo, branch, ".github/guard.yml", PROPOSAL.format(n=n))
        pull = self.double.open_pull(repo, branch, title=f"Proposal {n}")
        payload = webhooks.pull_request(self.double, repo, pull.number, "opened")
        return "pull_request", payload, "config", repo, pull.head_sha


class Load:
    """Sends ``total`` deliveries at ``rate`` per second through the double's webhook."""

    def __init__(
        self,
        double: GitHubDouble,
        deliveries: Deliveries,
        *,
        rate: float,
        total: int,
        urls: tuple[str, ...] = (),
    ) -> None:
        """``urls``: send round-robin to these receivers instead of the hook's one URL."""
        self.double = double
        self.urls = itertools.cycle(urls) if urls else None
        self.deliveries = deliveries
        self.rate = rate
        self.total = total
        self.expected: list[Expected] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Load:
        self._thread = threading.Thread(target=self._run, name="fault-load", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        assert self._thread is not None
        self._thread.join(timeout)

    @property
    def sent(self) -> int:
        with self._lock:
            return len(self.expected)

    def _run(self) -> None:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="fault-sender") as pool:
            for n in range(self.total):
                pause = started + n / self.rate - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                event, payload, kind, repo, target = self.deliveries.build()
                url = next(self.urls) if self.urls else None
                pool.submit(self._send, event, payload, kind, repo, target, url)

    def _send(
        self, event: str, payload: dict[str, Any], kind: str, repo: str, target: str, url: str | None
    ) -> None:
        attempt = self.double.send_webhook(event, payload, url=url)
        policy = "branch_protection" if kind == "force" else "config"
        with self._lock:
            self.expected.append(Expected(attempt.guid, kind, repo, target, policy))
