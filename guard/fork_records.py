"""What fork safety remembers between deliveries, in the state store: run ancestry, allowances, blocks.

Ancestry: the origin of every run the guard has classified, by repository and head commit, so a run
started by ``workflow_run`` inherits its upstream's origin (the downstream run names no upstream run
id; it carries the upstream's head commit). Unknown ancestry is untrusted.
"""

from __future__ import annotations

from guard.engine import Context
from guard.facts_actions import actor_can_write, pull_for_head, read_pull
from guard.github import Client
from guard.state import StateStore
from policies.base import SaveState
from policies.fork_secrets.allowance import BLOCKED, NAMESPACE, Allowance, key
from policies.fork_secrets.origin import (
    ACTOR_EVENTS,
    UPSTREAM_EVENT,
    Origin,
    RunFacts,
    classify,
    combine_upstream,
)
from policies.fork_secrets.report import PullInfo

ANCESTRY = "fork_ancestry"
KEPT_PER_COMMIT = 20  # runs remembered per head commit: re-runs and fan-out, not an unbounded list


def _recorded(state: StateStore, run: RunFacts) -> list[Origin]:
    found = []
    for sha in sorted(run.shas):
        entry = state.get(ANCESTRY, key(run.repository, sha)) or {}
        found += [Origin.from_json(o) for rid, o in (entry.get("runs") or {}).items() if rid != str(run.id)]
    return found


def origin_of(ctx: Context, github: Client, run: RunFacts) -> Origin:
    """Classify the run: head repository, the actor's permission, or the recorded upstream."""
    can_write = actor_can_write(github, run.repository, run.actor) if run.event in ACTOR_EVENTS else None
    upstream = combine_upstream(_recorded(ctx.state, run)) if run.event == UPSTREAM_EVENT else None
    return classify(run, actor_can_write=can_write, upstream=upstream)


def remember(state: StateStore, run: RunFacts, origin: Origin) -> SaveState:
    """The action that records the run's origin under its head commit (newest kept)."""
    entry_key = key(run.repository, run.head_sha)
    runs = dict((state.get(ANCESTRY, entry_key) or {}).get("runs") or {})
    runs.pop(str(run.id), None)
    runs[str(run.id)] = origin.to_json()
    kept = dict(list(runs.items())[-KEPT_PER_COMMIT:])
    return SaveState(ANCESTRY, entry_key, {"runs": kept})


def blocked_runs(state: StateStore, repository: str, sha: str) -> tuple[int, ...]:
    entry = state.get(BLOCKED, key(repository, sha)) or {}
    return tuple(int(run_id) for run_id in entry.get("runs") or ())


def allowance_for(ctx: Context, github: Client, run: RunFacts) -> Allowance | None:
    """A maintainer's allowance covering this run, if its pull request's head is still that commit."""
    for sha in sorted(run.shas):
        allowance = Allowance.from_json(ctx.state.get(NAMESPACE, key(run.repository, sha)))
        if allowance is None or not allowance.covers(run.id, run.shas):
            continue
        pull = read_pull(github, run.repository, allowance.pull)
        if pull is not None and pull.open and pull.head_sha == allowance.sha:
            return allowance
    return None


def pull_of(github: Client, run: RunFacts, numbers: tuple[int, ...] = ()) -> PullInfo | None:
    """The pull request the run acts for: by number when the delivery names one, else by head commit."""
    for number in numbers:
        pull = read_pull(github, run.repository, number)
        if pull is not None and pull.head_sha in run.shas | {run.pull_head_sha}:
            return pull
    return pull_for_head(github, run.repository, run.pull_head_sha)
