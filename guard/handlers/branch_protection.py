"""Branch protection: apply the declared protection, notice within seconds when it is weakened, restore it.

When it checks: a new installation, repositories added to it, a new repository, or a renamed default
branch apply the declared protection; ``branch_protection_rule``, ``branch_protection_configuration`` and
``repository_ruleset`` deliveries re-read the full state (their payloads omit fields) and compare; the
periodic ``guard_sweep`` does the same with conditional requests, for whatever a lost delivery hid. An
organisation ruleset event checks every repository of the installation, one failure never stopping the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

from guard.engine import Context
from guard.errors import TRANSIENT_ERRORS
from guard.events import (
    Actor,
    Event,
    GenericEvent,
    InstallationEvent,
    InstallationRepositoriesEvent,
    RepositoryEvent,
    RepositoryRulesetEvent,
)
from guard.facts_protection import RepoRef, protected_branches, read_branch, read_repository
from guard.github import Client, GitHubError
from guard.protection_records import read_suspension, read_written
from guard.routing import Router
from policies.base import Decision, Mode
from policies.branch_protection.drift import APPLY, CHANGE, POLICY, SWEEP, Inputs, Trigger, decide
from policies.branch_protection.model import declared

SWEEP_EVERY = 3600.0  # hourly: the period docs/configuration.md promises

router = Router(
    permissions={"administration": "write", "contents": "write", "pull_requests": "read", "metadata": "read"}
)


def by_guard(ctx: Context, sender: Actor | None) -> bool:
    """Whether the sender is the guard's own App (its bot account), never merely any bot."""
    app = ctx.app()
    return sender is not None and sender.is_bot and app is not None and sender.login == app.bot_login


def inputs_for(ctx: Context, repo: RepoRef, branch: str) -> Inputs:
    """The configuration in force for the branch, the guard's App id, the break-glass and the clock."""
    settings = ctx.config(repo.full_name).branch_protection
    app = ctx.app()
    return Inputs(
        settings=settings,
        rules=settings.rules_for(branch, repo.default_branch),
        guard_app_id=app.id if app else None,
        now=ctx.clock(),
        web_url=ctx.settings.github_url,
        suspension=read_suspension(ctx.state, repo.full_name),
    )


def check_branch(
    ctx: Context, github: Client, repo: RepoRef, branch: str, trigger: Trigger
) -> Decision | None:
    """Compare one branch with its declaration and decide; None when the branch does not exist."""
    inputs = inputs_for(ctx, repo, branch)
    if not inputs.rules or inputs.settings.mode is Mode.OFF:
        return None
    admins_matter = declared(inputs.rules, inputs.guard_app_id).enforce_admins
    written = read_written(ctx.state, repo.full_name, branch)
    facts = read_branch(github, repo.full_name, branch, last_written=written, admins_matter=admins_matter)
    return None if facts is None else decide(trigger, facts, inputs)


def check_repository(ctx: Context, repo: RepoRef, trigger: Trigger) -> list[Decision]:
    """Every branch the repository's rules name, checked and (in ``enforce``) restored."""
    settings = ctx.config(repo.full_name).branch_protection
    if settings.mode is Mode.OFF:
        return []
    if repo.archived:
        return [Decision(POLICY, f"{repo.full_name} is archived: its protection cannot change")]
    decisions = [
        decision
        for branch in protected_branches(ctx.github, repo, settings.branches)
        if (decision := check_branch(ctx, ctx.github, repo, branch, trigger)) is not None
    ]
    return decisions or [Decision(POLICY, f"{repo.full_name}: no existing branch matches a declared rule")]


def check_each(ctx: Context, names: Iterable[str], trigger: Trigger) -> list[Decision]:
    """``check_repository`` for many repositories; one repository's failure is recorded, the rest go on."""
    decisions: list[Decision] = []
    for name in names:
        try:
            decisions += check_repository(ctx, read_repository(ctx.github, name), trigger)
        except TRANSIENT_ERRORS:
            raise
        except GitHubError as exc:
            decisions.append(Decision(POLICY, f"{name}: protection not checked: {exc}"))
    return decisions


def _trigger(kind: str, event: Event, ctx: Context) -> Trigger:
    sender = event.sender
    return Trigger(
        kind=kind,
        event=f"{event.name}.{event.action}" if event.action else event.name,
        sender=sender.login if sender else None,
        sender_type=sender.type if sender else None,
        by_guard=by_guard(ctx, sender),
    )


@router.on("installation", "created", policy=POLICY)
def on_installation(event: InstallationEvent, ctx: Context) -> Iterable[Decision]:
    """Every repository the new installation sees (listed by GitHub when the payload does not)."""
    names = [r.full_name for r in event.repositories]
    if not names and ctx.github is not None:
        listed = ctx.github.paginate("/installation/repositories", item_key="repositories")
        names = [str(r["full_name"]) for r in listed]
    return check_each(ctx, names, _trigger(APPLY, event, ctx))


@router.on("installation_repositories", "added", policy=POLICY)
def on_repositories_added(event: InstallationRepositoriesEvent, ctx: Context) -> Iterable[Decision]:
    return check_each(ctx, (r.full_name for r in event.repositories_added), _trigger(APPLY, event, ctx))


@router.on("repository", "created", "edited", policy=POLICY)
def on_repository(event: RepositoryEvent, ctx: Context) -> Iterable[Decision]:
    """A new repository, or a new default branch (a classic rule stays with the old name)."""
    if event.repository is None or (event.action == "edited" and event.previous_default_branch is None):
        return []
    return check_repository(ctx, RepoRef.of(event.repository), _trigger(APPLY, event, ctx))


@router.on("branch_protection_rule", policy=POLICY)
@router.on("branch_protection_configuration", policy=POLICY)
def on_protection_changed(event: Event, ctx: Context) -> Iterable[Decision]:
    if event.repository is None:
        return []
    return check_repository(ctx, RepoRef.of(event.repository), _trigger(CHANGE, event, ctx))


@router.on("repository_ruleset", policy=POLICY)
def on_ruleset_changed(event: RepositoryRulesetEvent, ctx: Context) -> Iterable[Decision]:
    """A repository's ruleset checks that repository; an organisation's checks all it may govern."""
    trigger = _trigger(CHANGE, event, ctx)
    if event.repository is not None:
        return check_repository(ctx, RepoRef.of(event.repository), trigger)
    listed = ctx.github.paginate("/installation/repositories", item_key="repositories")
    return check_each(ctx, (str(r["full_name"]) for r in listed), trigger)


@router.sweep(POLICY, every=SWEEP_EVERY, policy=POLICY)
def on_sweep(event: GenericEvent, ctx: Context) -> Iterable[Decision]:
    """The periodic reconcile of one repository; conditional reads make an unchanged one nearly free."""
    if event.repository is None:
        return []
    return check_repository(ctx, RepoRef.of(event.repository), _trigger(SWEEP, event, ctx))
