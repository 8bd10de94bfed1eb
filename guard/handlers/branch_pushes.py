"""Push watch on protected branches: what protection should have prevented, seen as it lands.

Independent routes, so a slow or failing read in one never delays another: force pushes and deletions
(a backup branch comes before anything else), pushes that did not come from a merged pull request,
unsigned commits where signatures are required. Two more apply the declared protection at once: to a
new branch a rule names, and wherever a pushed ``guard.yml`` changes the declaration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from guard.config_store import ORG_FILE, ORG_REPOSITORY, REPO_FILE
from guard.engine import Context
from guard.events import PushEvent
from guard.facts_protection import RepoRef, provenance, unsigned_commits
from guard.handlers.branch_protection import check_branch, check_each, check_repository, inputs_for
from guard.routing import Router
from policies.base import Decision, Mode
from policies.branch_protection.drift import APPLY, POLICY, Inputs, Trigger
from policies.branch_protection.model import declared
from policies.branch_protection.pushes import PushFacts, watch_history, watch_provenance, watch_signatures

PUSH_COMMITS_LISTED = 20  # at this many listed commits, treat the payload's file lists as possibly partial
GITHUB_FILES_PER_LIST = 3000
MAX_SIGNATURE_CHECKS = 20

router = Router(permissions={"contents": "write", "pull_requests": "read"})


def _watched(event: PushEvent, ctx: Context) -> Inputs | None:
    """The inputs for a push to a branch some declared rule protects, or None."""
    branch = event.branch
    if branch is None or ctx.github is None:
        return None
    inputs = inputs_for(ctx, RepoRef.of(event.repository), branch)
    return inputs if inputs.rules and inputs.settings.mode is not Mode.OFF else None


def _facts(event: PushEvent) -> PushFacts:
    commits = event.commits
    partial = len(commits) >= PUSH_COMMITS_LISTED or any(
        max(len(c.added), len(c.modified), len(c.removed)) >= GITHUB_FILES_PER_LIST for c in commits
    )
    return PushFacts(
        repository=event.repository.full_name,
        branch=event.branch or "",
        before=event.before,
        after=event.after,
        forced=event.forced,
        deleted=event.deleted,
        created=event.created,
        sender=event.sender.login if event.sender else None,
        sender_type=event.sender.type if event.sender else None,
        pusher=event.pusher.name,
        paths=event.touched_paths,
        paths_complete=not partial,
        commits=len(commits),
    )


@router.on("push", policy=POLICY)
def watch_rewrites(event: PushEvent, ctx: Context) -> Iterable[Decision]:
    """Force pushes (backup branch first, then the alert) and deletions (recreated in ``enforce``)."""
    inputs = _watched(event, ctx)
    decision = watch_history(_facts(event), inputs) if inputs else None
    return [decision] if decision else []


@router.on("push", policy=POLICY)
def watch_direct_pushes(event: PushEvent, ctx: Context) -> Iterable[Decision]:
    """A push whose head is not the merge commit of a pull request merged into the branch."""
    inputs = _watched(event, ctx)
    if inputs is None or ctx.github is None or event.deleted or event.created or event.forced:
        return []
    if not declared(inputs.rules, inputs.guard_app_id).require_pull_request:
        return []
    origin = provenance(ctx.github, event.repository.full_name, event.after, event.branch or "")
    facts = replace(_facts(event), merged_pull=origin.merged_pull, open_pulls=origin.other_pulls)
    pipeline = ctx.config(event.repository.full_name).pipeline_review
    decision = watch_provenance(facts, inputs, pipeline)
    return [decision] if decision else []


@router.on("push", policy=POLICY)
def watch_unsigned(event: PushEvent, ctx: Context) -> Iterable[Decision]:
    """Commits without a verified signature, on a branch that requires signed commits."""
    inputs = _watched(event, ctx)
    if inputs is None or ctx.github is None or event.deleted:
        return []
    if not declared(inputs.rules, inputs.guard_app_id).signed_commits:
        return []
    shas = [c.id for c in event.commits if c.distinct is not False][-MAX_SIGNATURE_CHECKS:]
    unsigned = unsigned_commits(ctx.github, event.repository.full_name, shas)
    decision = watch_signatures(replace(_facts(event), unsigned=unsigned, checked=len(shas)), inputs)
    return [decision] if decision else []


@router.on("push", policy=POLICY)
def protect_new_branch(event: PushEvent, ctx: Context) -> Iterable[Decision]:
    """A new branch that a rule names (``release/*``, or the first push of a default branch): apply."""
    if not event.created or event.branch is None or ctx.github is None:
        return []
    trigger = Trigger(APPLY, "push (branch created)", event.sender.login if event.sender else None)
    decision = check_branch(ctx, ctx.github, RepoRef.of(event.repository), event.branch, trigger)
    return [decision] if decision else []


@router.on("push", policy=POLICY)
def apply_new_declaration(event: PushEvent, ctx: Context) -> Iterable[Decision]:
    """A ``guard.yml`` that landed may declare more: its repository, or for the organisation's file every
    repository, gets the new declaration applied (the configuration handler has adopted it already)."""
    repo = event.repository
    if ctx.github is None or event.deleted or event.branch != repo.default_branch:
        return []
    paths = set(event.touched_paths)
    sender = event.sender.login if event.sender else None
    trigger = Trigger(APPLY, "push (guard.yml changed)", sender)
    if repo.name == ORG_REPOSITORY and ORG_FILE in paths:
        listed = ctx.github.paginate("/installation/repositories", item_key="repositories")
        return check_each(ctx, [str(r["full_name"]) for r in listed], trigger)
    return check_repository(ctx, RepoRef.of(repo), trigger) if REPO_FILE in paths else []
