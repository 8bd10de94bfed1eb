"""Maintainer allowances: one run of one exact pull request head, granted by an independent writer.

The maintainer must be able to write, must not be the pull request's author and must not have pushed to
it (so nobody approves their own code). The allowance names the head SHA; a push voids it, and it covers
one run only: it is bound to the first run that uses it (or to the blocked run it re-runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from policies.base import Action, AlertSpec, Decision, RaiseAlert, SaveState, Severity
from policies.fork_secrets.actions import PostComment, RerunRun
from policies.fork_secrets.report import ALLOW_COMMAND, POLICY, PullInfo

NAMESPACE = "fork_allowances"
BLOCKED = "fork_blocked"


def key(repository: str, sha: str) -> str:
    return f"{repository.lower()}@{sha}"


@dataclass(frozen=True)
class Allowance:
    """``by`` allowed one run of ``sha`` on pull request ``pull``; ``run_id`` once bound to a run."""

    repository: str
    pull: int
    sha: str
    by: str
    at: float
    run_id: int | None = None

    def covers(self, run_id: int, shas: frozenset[str]) -> bool:
        return self.sha in shas and self.run_id in (None, run_id)

    def bound_to(self, run_id: int) -> Allowance:
        return replace(self, run_id=run_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "pull": self.pull,
            "sha": self.sha,
            "by": self.by,
            "at": self.at,
            "run_id": self.run_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Allowance | None:
        if not data or data.get("void"):
            return None
        run_id = data.get("run_id")
        return cls(
            repository=str(data["repository"]),
            pull=int(data["pull"]),
            sha=str(data["sha"]),
            by=str(data["by"]),
            at=float(data["at"]),
            run_id=None if run_id is None else int(run_id),
        )

    def save(self) -> SaveState:
        return SaveState(NAMESPACE, key(self.repository, self.sha), self.to_json())


@dataclass(frozen=True)
class AllowRequest:
    """A maintainer's request to allow a run: by button (``via="button"``) or comment."""

    repository: str
    pull: PullInfo
    sha: str
    by: str
    by_can_write: bool
    by_pushed: bool
    via: str
    now: float
    blocked_runs: tuple[int, ...] = ()


def refusal(request: AllowRequest) -> str | None:
    """Why the request cannot be granted, or None; the first rule broken is named."""
    pull, by = request.pull, request.by
    rules = (
        (
            not request.sha,
            f"the comment names no commit; name the head you reviewed: {ALLOW_COMMAND} {pull.head_sha}",
        ),
        (not request.by_can_write, f"{by} cannot write to {request.repository}"),
        (
            by.lower() == pull.author.lower(),
            f"{by} opened pull request #{pull.number}; someone else must allow its runs",
        ),
        (
            request.by_pushed,
            f"{by} pushed commits to pull request #{pull.number}; someone else must allow its runs",
        ),
        (not pull.open, f"pull request #{pull.number} is closed"),
        (
            request.sha != pull.head_sha,
            f"{request.sha[:40]} is not the head of pull request #{pull.number} "
            f"(it is {pull.head_sha}); an allowance names the exact head commit",
        ),
    )
    return next((message for broken, message in rules if broken), None)


def decide_allow(request: AllowRequest) -> Decision:
    """Grant the allowance (re-running the latest blocked run of that commit) or explain the refusal."""
    why = refusal(request)
    if why is not None:
        return _refused(request, why)
    rerun = max(request.blocked_runs, default=None)
    allowance = Allowance(
        request.repository, request.pull.number, request.sha, request.by, request.now, rerun
    )
    then = f"; run {rerun} is re-run" if rerun is not None else "; the next run of it may proceed"
    spec = AlertSpec(
        severity=Severity.MEDIUM,
        policy=POLICY,
        rule="maintainer-allowance",
        title=f"{request.by} allowed one fork run of {request.sha[:12]} on #{request.pull.number}",
        details=f"**{request.by}** allowed one run of commit `{request.sha}` on pull request "
        f"#{request.pull.number} in {request.repository} (via {request.via}){then}. A new push voids it.",
        repository=request.repository,
        subject=f"allow:{request.pull.number}:{request.sha}",
        actor=request.by,
        action_taken=f"allowance recorded{then}",
    )
    actions: list[Action] = [allowance.save(), RaiseAlert(spec)]
    if rerun is not None:
        actions.append(RerunRun(request.repository, rerun))
    if request.via == "comment":
        body = f"Pipeline Guard: {request.by} allowed one run of `{request.sha}`{then}. A new push voids it."
        actions.append(PostComment(request.repository, request.pull.number, body))
    summary = f"allowed one run of {request.sha[:12]} on #{request.pull.number} for {request.by}{then}"
    return Decision(POLICY, summary, actions=tuple(actions), facts={"sha": request.sha, "by": request.by})


def _refused(request: AllowRequest, why: str) -> Decision:
    actions: list[Action] = []
    if request.via == "comment":
        body = (
            f"Pipeline Guard did not allow a run: {why}.\n\nA maintainer with write access who is not the "
            f"author and has not pushed to this pull request can comment `{ALLOW_COMMAND} "
            f"{request.pull.head_sha}` after reviewing it."
        )
        actions.append(PostComment(request.repository, request.pull.number, body))
    return Decision(POLICY, f"allowance refused: {why}", actions=tuple(actions), facts={"by": request.by})


def void_on_push(allowance: Allowance, new_sha: str, pusher: str) -> Decision:
    """A push to the pull request voids its allowance; the feed records it."""
    spec = AlertSpec(
        severity=Severity.LOW,
        policy=POLICY,
        rule="allowance-voided",
        title=f"Allowance for {allowance.sha[:12]} on #{allowance.pull} voided by a new push",
        details=f"{pusher} pushed `{new_sha}` to pull request #{allowance.pull} in {allowance.repository}; "
        f"the allowance {allowance.by} gave for `{allowance.sha}` no longer applies.",
        repository=allowance.repository,
        subject=f"allow:{allowance.pull}:{allowance.sha}",
        actor=pusher,
        action_taken="allowance voided",
    )
    void = SaveState(NAMESPACE, key(allowance.repository, allowance.sha), {"void": True, "by_push": new_sha})
    summary = f"allowance for {allowance.sha[:12]} on #{allowance.pull} voided by a push of {new_sha[:12]}"
    return Decision(POLICY, summary, actions=(void, RaiseAlert(spec)))


def parse_command(body: str) -> str | None:
    """The SHA argument of a ``/guard allow`` comment ('' when none was given); None if not a command."""
    first = body.strip().splitlines()[0].strip() if body.strip() else ""
    words = first.split()
    if words[:2] != ALLOW_COMMAND.split():
        return None
    return words[2].lower() if len(words) > 2 else ""
