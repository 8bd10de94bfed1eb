"""Arranging branch protection in the double: classic protection, rulesets, signatures, rewritten history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from tests.github_double.protection_shapes import protection_json
from tests.github_double.protection_state import Ruleset, protection_from_body
from tests.github_double.state import Blob, Repo, State, blob_sha

# A PUT body that protects a branch the way the guard's defaults declare it (with no required checks).
BASELINE: dict[str, Any] = {
    "required_status_checks": None,
    "enforce_admins": False,
    "required_pull_request_reviews": {
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": False,
        "required_approving_review_count": 1,
        "require_last_push_approval": True,
    },
    "restrictions": None,
}


class _Double(Protocol):
    state: State
    base_url: str

    def now(self) -> float: ...
    def _repo(self, repo: Repo | str) -> Repo: ...


class ProtectionMixin:
    """Methods ``GitHubDouble`` gains for branch protection and history rewrites."""

    def protect(self: _Double, repo: Repo | str, branch: str, body: Mapping[str, Any] | None = None) -> None:
        """Protect ``branch`` as a PUT with ``body`` (write shape; default ``BASELINE``) would."""
        with self.state.lock:
            target = self._repo(repo)
            previous = self.state.protections.get((target.id, branch))
            self.state.protections[(target.id, branch)] = protection_from_body(
                dict(BASELINE if body is None else body), previous
            )

    def unprotect(self: _Double, repo: Repo | str, branch: str) -> None:
        with self.state.lock:
            self.state.protections.pop((self._repo(repo).id, branch), None)

    def protection(self: _Double, repo: Repo | str, branch: str) -> dict[str, Any] | None:
        """The branch's classic protection in GitHub's read shape, or None when unprotected."""
        with self.state.lock:
            target = self._repo(repo)
            found = self.state.protections.get((target.id, branch))
            return (
                None if found is None else protection_json(self.base_url, self.state, target, branch, found)
            )

    def require_signatures(self: _Double, repo: Repo | str, branch: str, required: bool = True) -> None:
        with self.state.lock:
            self.state.protections[(self._repo(repo).id, branch)].signatures = required

    def add_ruleset(
        self: _Double,
        repo: Repo | str,
        name: str,
        rules: Iterable[Mapping[str, Any]],
        *,
        include: Iterable[str] = ("~DEFAULT_BRANCH",),
        exclude: Iterable[str] = (),
        enforcement: str = "active",
        bypass_actors: Iterable[Mapping[str, Any]] = (),
        organisation: bool = False,
    ) -> Ruleset:
        """A ruleset of the repository, or of its organisation (``organisation=True``)."""
        with self.state.lock:
            target = self._repo(repo)
            ruleset = Ruleset(
                id=self.state.next_id(),
                owner_id=target.owner.id,
                repo_id=None if organisation else target.id,
                name=name,
                source=target.owner.login if organisation else target.full_name,
                enforcement=enforcement,
                include=list(include),
                exclude=list(exclude),
                rules=[dict(rule) for rule in rules],
                bypass_actors=[dict(actor) for actor in bypass_actors],
            )
            self.state.rulesets[ruleset.id] = ruleset
            return ruleset

    def sign(self: _Double, *shas: str) -> None:
        """Give these commits a verified signature."""
        with self.state.lock:
            self.state.signed.update(shas)

    def delete_branch(self: _Double, repo: Repo | str, branch: str) -> str:
        """Delete ``refs/heads/<branch>`` (its commits stay, as on GitHub); return the SHA it pointed at."""
        with self.state.lock:
            return self._repo(repo).refs.pop(f"refs/heads/{branch}")

    def force_push(self: _Double, repo: Repo | str, branch: str, path: str, content: str) -> tuple[str, str]:
        """Replace the branch's newest commit by a different child of its parent; return (before, after)."""
        with self.state.lock:
            target = self._repo(repo)
            before = target.refs[f"refs/heads/{branch}"]
            dropped = target.commits[before]
            parent = target.commits[dropped.parents[0]] if dropped.parents else None
            tree = dict(parent.tree) if parent else {}
            data = content.encode()
            tree[path] = Blob(sha=blob_sha(data), data=data)
            after = self.state.commit(target, parent, tree, f"Rewrite {path}", date=self.now()).sha
            target.refs[f"refs/heads/{branch}"] = after
            return before, after
