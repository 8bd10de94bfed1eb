"""What fork safety remembers between deliveries, in the state store: run ancestry, allowances, blocks.

Ancestry: the origin of every run the guard has classified, per repository (``policies.fork_secrets.
ancestry`` says how a ``workflow_run`` run is matched to its possible upstreams). Unknown is untrusted.
"""

from __future__ import annotations

from guard.engine import Context
from guard.facts_actions import actor_can_write, pull_for_head, read_pull, read_workflow
from guard.github import Client
from guard.state import StateStore
from policies.fork_secrets.actions import RememberRun
from policies.fork_secrets.allowance import BLOCKED, NAMESPACE, Allowance, key
from policies.fork_secrets.ancestry import NAMESPACE as ANCESTRY
from policies.fork_secrets.ancestry import SeenRun, bucket, bucket_key, upstream_names, upstream_origin
from policies.fork_secrets.origin import (
    ACTOR_EVENTS,
    UPSTREAM_EVENT,
    Origin,
    RunFacts,
    classify,
)
from policies.fork_secrets.report import PullInfo


def seen_runs(state: StateStore, repository: str, at: float) -> list[SeenRun]:
    """The runs remembered in the current and the previous window."""
    found = []
    for period in (bucket(at) - 1, bucket(at)):
        entry = state.get(ANCESTRY, bucket_key(repository, period)) or {}
        found += [SeenRun.from_json(item) for item in entry.get("runs") or ()]
    return found


def origin_of(
    ctx: Context, github: Client, run: RunFacts, default_branch: str, fork_pulls: tuple[int, ...] = ()
) -> Origin:
    """Classify the run: head repository, the actor's permission, or the runs that may have started it."""
    can_write = actor_can_write(github, run.repository, run.actor) if run.event in ACTOR_EVENTS else None
    upstream = None
    if run.event == UPSTREAM_EVENT and run.head_repository_id == run.repository_id:
        names = upstream_names(read_workflow(github, run.repository, run.path, default_branch), run.path)
        seen = seen_runs(ctx.state, run.repository, ctx.clock())
        upstream = upstream_origin(seen, run_id=run.id, names=names, now=ctx.clock())
    return classify(run, actor_can_write=can_write, upstream=upstream, fork_pulls=fork_pulls)


def remember(ctx: Context, run: RunFacts, origin: Origin) -> RememberRun:
    """The action that records the run's origin for the runs it may start."""
    return RememberRun(run.repository, run.id, run.name or run.path, origin, ctx.clock())


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
