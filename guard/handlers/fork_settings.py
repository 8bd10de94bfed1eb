"""Fork safety, the settings audit: on installation and daily, read what each repository gives forks.

The fork pull request approval policy, for private repositories whether fork pull requests get secrets
or write tokens, and the default ``GITHUB_TOKEN`` permissions; each weak one raises an alert with the fix.
"""

from __future__ import annotations

from collections.abc import Iterable

from guard.engine import Context
from guard.errors import TRANSIENT_ERRORS
from guard.events import GenericEvent, InstallationEvent, InstallationRepositoriesEvent
from guard.facts_actions import actions_settings
from guard.github import GitHubError
from guard.routing import Router
from policies.base import Decision, Mode
from policies.fork_secrets.audit import audit
from policies.fork_secrets.report import POLICY

AUDIT_SWEEP = "fork_secrets_settings"
AUDIT_EVERY = 24 * 3600.0

router = Router(permissions={"administration": "read"})


def audit_repository(ctx: Context, repository: str, visibility: str) -> list[Decision]:
    if ctx.config(repository).fork_secrets.mode is Mode.OFF:
        return []
    return [audit(actions_settings(ctx.github, repository, visibility))]


def audit_each(ctx: Context, repositories: Iterable[tuple[str, bool | None]]) -> list[Decision]:
    """Audit many repositories; one repository's failure is recorded and the rest go on."""
    decisions: list[Decision] = []
    for name, private in repositories:
        try:
            visibility = "public" if private is False else "private"  # unknown: audited as private
            decisions += audit_repository(ctx, name, visibility)
        except TRANSIENT_ERRORS:
            raise
        except GitHubError as exc:
            decisions.append(Decision(POLICY, f"{name}: Actions settings not audited: {exc}"))
    return decisions


@router.on("installation", "created", policy=POLICY)
def on_installation(event: InstallationEvent, ctx: Context) -> Iterable[Decision]:
    listed = [(r.full_name, r.private) for r in event.repositories]
    if not listed:
        found = ctx.github.paginate("/installation/repositories", item_key="repositories")
        listed = [(str(r["full_name"]), bool(r.get("private"))) for r in found]
    return audit_each(ctx, listed)


@router.on("installation_repositories", "added", policy=POLICY)
def on_repositories_added(event: InstallationRepositoriesEvent, ctx: Context) -> Iterable[Decision]:
    return audit_each(ctx, [(r.full_name, r.private) for r in event.repositories_added])


@router.sweep(AUDIT_SWEEP, every=AUDIT_EVERY, policy=POLICY)
def on_sweep(event: GenericEvent, ctx: Context) -> Iterable[Decision]:
    repo = event.repository
    if repo is None:
        return []
    return audit_repository(ctx, repo.full_name, repo.visibility or ("private" if repo.private else "public"))
