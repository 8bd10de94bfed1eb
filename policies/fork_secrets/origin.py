"""Where a workflow run comes from: a fork, an outsider's comment, or the repository's own people.

Read from the run as the REST API describes it, never from a webhook's hints: ``pull_requests`` is empty
for runs from forks, so the head repository's id decides. Re-runs keep the original actor's privileges,
so ``run_attempt > 1`` is judged like the first attempt (``actor``, not the re-runner, is checked).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PULL_REQUEST_EVENTS = frozenset(
    {"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}
)
# Privileged triggers anyone can cause: the run is trusted only when its actor can write.
ACTOR_EVENTS = frozenset({"issue_comment", "issues", "discussion", "discussion_comment", "fork", "watch"})
UPSTREAM_EVENT = "workflow_run"
# Events whose run uses the default branch's workflow file, whatever the pull request changes.
DEFAULT_BRANCH_EVENTS = frozenset({"pull_request_target", UPSTREAM_EVENT, *ACTOR_EVENTS})

FORK_HEAD, OUTSIDER, UPSTREAM_FORK, UPSTREAM_UNKNOWN = (
    "fork-head",
    "outsider-trigger",
    "fork-upstream",
    "unknown-upstream",
)
SAME_REPOSITORY, WRITER, UPSTREAM_TRUSTED = "same-repository", "writer-trigger", "trusted-upstream"


@dataclass(frozen=True)
class RunFacts:
    """A workflow run as the REST API answers it; ``head_repository_id`` None when GitHub gave none."""

    id: int
    repository: str
    repository_id: int
    event: str
    status: str
    head_sha: str
    head_commit_id: str | None
    head_branch: str | None
    head_repository_id: int | None
    head_repository: str | None
    path: str
    name: str | None
    run_attempt: int
    actor: str | None
    triggering_actor: str | None

    @property
    def pull_head_sha(self) -> str:
        """The pull request head the run acts for: ``pull_request_target`` runs name the base commit in
        ``head_sha`` and the pull request's head in ``head_commit``."""
        if self.event == "pull_request_target" and self.head_commit_id:
            return self.head_commit_id
        return self.head_sha

    @property
    def shas(self) -> frozenset[str]:
        return frozenset(s for s in (self.head_sha, self.head_commit_id) if s)

    @property
    def uses_default_branch(self) -> bool:
        return self.event in DEFAULT_BRANCH_EVENTS


@dataclass(frozen=True)
class Origin:
    """Whether a run is untrusted, by which rule, and why in words."""

    untrusted: bool
    rule: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"untrusted": self.untrusted, "rule": self.rule, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Origin:
        return cls(bool(data["untrusted"]), str(data["rule"]), str(data["reason"]))


def classify(
    run: RunFacts,
    *,
    actor_can_write: bool | None,
    upstream: Origin | None,
    fork_pulls: tuple[int, ...] = (),
) -> Origin:
    """The run's origin; ``actor_can_write`` None means unknown, ``upstream`` None means not seen;
    ``fork_pulls`` are pull requests from forks a delivery says the run is for (a second signal)."""
    if run.head_repository_id is None or run.head_repository_id != run.repository_id:
        head = run.head_repository or "an unknown repository"
        return Origin(True, FORK_HEAD, f"its head is in {head}, not in {run.repository}")
    if run.event in PULL_REQUEST_EVENTS and fork_pulls:
        numbers = ", ".join(f"#{n}" for n in fork_pulls)
        return Origin(True, FORK_HEAD, f"it runs for pull request {numbers} from a fork")
    if run.event in ACTOR_EVENTS:
        return _by_actor(run, actor_can_write)
    if run.event == UPSTREAM_EVENT:
        return _by_upstream(upstream)
    return Origin(False, SAME_REPOSITORY, f"a {run.event} run from {run.repository} itself")


def _by_actor(run: RunFacts, actor_can_write: bool | None) -> Origin:
    who = run.actor or "an unknown account"
    if actor_can_write:
        return Origin(False, WRITER, f"{run.event} caused by {who}, who can write to {run.repository}")
    why = "whose permission could not be read" if actor_can_write is None else "who cannot write to it"
    return Origin(True, OUTSIDER, f"{run.event} caused by {who}, {why}")


def _by_upstream(upstream: Origin | None) -> Origin:
    if upstream is None:
        return Origin(True, UPSTREAM_UNKNOWN, "started by a workflow run the guard has not seen")
    if upstream.untrusted:
        return Origin(True, UPSTREAM_FORK, f"started by an untrusted run ({upstream.reason})")
    return Origin(False, UPSTREAM_TRUSTED, f"started by a trusted run ({upstream.reason})")


def combine_upstream(records: Iterable[Origin]) -> Origin | None:
    """The origin of the runs recorded for a commit: any untrusted one wins; None when none were seen."""
    seen = list(records)
    untrusted = [origin for origin in seen if origin.untrusted]
    if untrusted:
        return untrusted[0]
    return seen[0] if seen else None
