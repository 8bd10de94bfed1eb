"""Facts about branch protection from GitHub: classic protection, ruleset rules, branches, pushes' origins.

Every read is a GET, so a repeated read of an unchanged object is a conditional request that GitHub
answers with a free 304 (the client keeps the ETags). Webhook payloads about protection are incomplete,
so the policy always works from these reads, never from a payload's ``changes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from guard.events import Repository
from guard.facts import quote_path
from guard.github import Client, Forbidden, NotFound, Unprocessable
from policies.branch_protection.drift import BranchFacts
from policies.branch_protection.model import Protection
from policies.branch_protection.settings import BranchRule
from policies.patterns import DEFAULT_BRANCH, match_branch

GLOB_CHARACTERS = frozenset("*?[")
BRANCH_NOT_FOUND = "Branch not found"
NOT_PROTECTED = "Branch not protected"


@dataclass(frozen=True)
class RepoRef:
    """The parts of a repository the policy needs."""

    full_name: str
    default_branch: str
    archived: bool = False

    @classmethod
    def of(cls, repository: Repository) -> RepoRef:
        return cls(repository.full_name, repository.default_branch, repository.archived)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> RepoRef:
        return cls(str(data["full_name"]), str(data["default_branch"]), bool(data.get("archived")))


def read_repository(github: Client, full_name: str) -> RepoRef:
    return RepoRef.from_api(github.get(f"/repos/{full_name}").data)


def _branch_path(repository: str, branch: str) -> str:
    return f"/repos/{repository}/branches/{quote_path(branch)}"


def protected_branches(github: Client, repo: RepoRef, rules: Sequence[BranchRule]) -> list[str]:
    """The branches the rules name: the default branch, exact names, and existing branches matching a glob."""
    names: dict[str, None] = {}
    globs = []
    for rule in rules:
        if rule.pattern == DEFAULT_BRANCH:
            names[repo.default_branch] = None
        elif GLOB_CHARACTERS & set(rule.pattern):
            globs.append(rule.pattern)
        else:
            names[rule.pattern] = None
    if globs:
        for item in github.paginate(f"/repos/{repo.full_name}/branches"):
            name = str(item["name"])
            if any(match_branch(pattern, name, repo.default_branch) for pattern in globs):
                names[name] = None
    return list(names)


def read_branch(
    github: Client, repository: str, branch: str, *, last_written: Protection | None, admins_matter: bool
) -> BranchFacts | None:
    """The branch's classic protection and ruleset rules; None when the branch does not exist."""
    classic: Mapping[str, Any] | None = None
    error = None
    try:
        classic = github.get(f"{_branch_path(repository, branch)}/protection").data
    except NotFound as exc:
        if exc.message == BRANCH_NOT_FOUND:
            return None
        if exc.message != NOT_PROTECTED:
            raise
    except Forbidden as exc:
        error = f"GitHub answered {exc.status}: {exc.message}"
    rules = tuple(github.paginate(f"/repos/{repository}/rules/branches/{quote_path(branch)}"))
    binding = _binding_admins(github, repository, rules) if admins_matter else frozenset()
    return BranchFacts(
        repository=repository,
        branch=branch,
        classic=classic,
        rules=rules,
        rulesets=_ruleset_names(rules),
        binding_admins=binding,
        classic_error=error,
        last_written=last_written,
    )


def _ruleset_names(rules: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    names = {f"#{r.get('ruleset_id')} of {r.get('ruleset_source')}": None for r in rules}
    return tuple(names)


def _binding_admins(github: Client, repository: str, rules: Iterable[Mapping[str, Any]]) -> frozenset[int]:
    """Rulesets with a pull request rule that nobody may bypass (their bypass list is shown, and empty)."""
    binding = set()
    for ruleset_id in {r.get("ruleset_id") for r in rules if r.get("type") == "pull_request"}:
        if not isinstance(ruleset_id, int):
            continue
        ruleset = github.get(f"/repos/{repository}/rulesets/{ruleset_id}").data
        if ruleset.get("bypass_actors") == []:
            binding.add(ruleset_id)
    return frozenset(binding)


@dataclass(frozen=True)
class Provenance:
    """Where a pushed head came from: the merged pull request with it as merge commit, and the others."""

    merged_pull: int | None
    other_pulls: tuple[int, ...]


def provenance(github: Client, repository: str, sha: str, branch: str) -> Provenance:
    """The pull request merged into ``branch`` whose merge commit is ``sha``.

    Merge queues push the merge commit of the last pull request of a group, so a queued merge is found
    like any other; a rebase merge's merge commit is its last rebased commit, the head it pushes.
    """
    try:
        pulls = list(github.paginate(f"/repos/{repository}/commits/{sha}/pulls"))
    except Unprocessable:
        return Provenance(None, ())
    merged = next(
        (
            int(p["number"])
            for p in pulls
            if p.get("merged_at") and p.get("merge_commit_sha") == sha and p["base"]["ref"] == branch
        ),
        None,
    )
    others = tuple(int(p["number"]) for p in pulls if int(p["number"]) != merged)
    return Provenance(merged, others)


def unsigned_commits(github: Client, repository: str, shas: Sequence[str]) -> tuple[str, ...]:
    """The commits among ``shas`` without a signature GitHub verified."""
    unsigned = []
    for sha in shas:
        verification = github.get(f"/repos/{repository}/git/commits/{sha}").data.get("verification") or {}
        if not verification.get("verified"):
            unsigned.append(sha)
    return tuple(unsigned)
