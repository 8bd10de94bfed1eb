"""Arranging GitHub Actions in the double: start runs (for pushes or pull requests), environments,
Actions settings; read the verdicts, cancels and comments the guard sent."""

from __future__ import annotations

from typing import Protocol

from tests.github_double.actions_state import (
    ActionsSettings,
    ActionsState,
    Comment,
    Environment,
    Job,
    Review,
    WorkflowRun,
)
from tests.github_double.state import Repo, State

DEFAULT_JOBS: tuple[tuple[str, tuple[str, ...]], ...] = (("build", ("ubuntu-latest",)),)
# Events whose run is not about a pull request's head: GitHub names the default branch's tip as the head.
# (A pull_request_target run names the pull request's head, and its head repository, though it runs the
# default branch's workflow.)
DEFAULT_BRANCH_EVENTS = frozenset({"issue_comment", "workflow_run"})


class _Double(Protocol):
    state: State

    def now(self) -> float: ...
    def _repo(self, repo: Repo | str) -> Repo: ...


def actions_of(state: State) -> ActionsState:
    return state.actions


class ActionsMixin:
    """Methods ``GitHubDouble`` gains for GitHub Actions."""

    def start_run(
        self: _Double,
        repo: Repo | str,
        path: str,
        *,
        event: str = "push",
        pull: int | None = None,
        actor: str = "octocat",
        jobs: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_JOBS,
        status: str = "queued",
        ignores_cancel: bool = False,
        head_sha: str | None = None,
    ) -> WorkflowRun:
        """A run of ``path``: for a push to the default branch, or for pull request ``pull`` (from its
        head repository, a fork or not); ``head_sha`` overrides the commit (a ``workflow_run`` chain)."""
        with self.state.lock:
            target = self._repo(repo)
            actions = actions_of(self.state)
            base_sha = target.refs[f"refs/heads/{target.default_branch}"]
            head_repo_id, branch, commit = target.id, target.default_branch, base_sha
            numbers: list[int] = []
            if pull is not None:
                found = self.state.pulls[(target.id, pull)]
                head_repo_id, branch, commit = found.head_repo_id, found.head_ref, found.head_sha
                numbers = [pull] if found.head_repo_id == target.id else []
            if event in DEFAULT_BRANCH_EVENTS:
                head_repo_id, branch, commit = target.id, target.default_branch, base_sha
            sha = commit
            run = WorkflowRun(
                id=self.state.next_id(),
                repo_id=target.id,
                workflow_id=10_000 + sum(map(ord, path)),
                name=path.rsplit("/", 1)[-1].removesuffix(".yml"),
                path=path,
                event=event,
                head_sha=head_sha or sha,
                head_commit_sha=head_sha or commit,
                head_branch=branch,
                head_repo_id=head_repo_id,
                actor=actor,
                triggering_actor=actor,
                run_number=actions.run_numbers(target.id),
                created_at=self.now(),
                status=status,
                ignores_cancel=ignores_cancel,
                pull_numbers=numbers,
            )
            actions.runs[run.id] = run
            for name, labels in jobs:
                job = Job(self.state.next_id(), run.id, name, list(labels))
                actions.jobs[job.id] = job
            return run

    def run(self: _Double, run_id: int) -> WorkflowRun:
        with self.state.lock:
            return actions_of(self.state).runs[run_id]

    def jobs(self: _Double, run_id: int) -> list[Job]:
        with self.state.lock:
            return actions_of(self.state).jobs_of(run_id)

    def add_environment(
        self: _Double, repo: Repo | str, name: str, *, secrets: tuple[str, ...] = (), guarded: bool = False
    ) -> Environment:
        """An environment; ``guarded`` enables the registered App as its deployment protection rule."""
        with self.state.lock:
            target = self._repo(repo)
            environment = Environment(self.state.next_id(), target.id, name, list(secrets))
            if guarded and self.state.app is not None:
                environment.rule_apps[self.state.next_id()] = self.state.app.id
            actions_of(self.state).environments[(target.id, name)] = environment
            return environment

    def actions_settings(self: _Double, repo: Repo | str) -> ActionsSettings:
        """The repository's Actions settings, to read or change."""
        with self.state.lock:
            return actions_of(self.state).settings_for(self._repo(repo).id)

    def deployment_reviews(self: _Double, repo: Repo | str) -> list[Review]:
        with self.state.lock:
            target = self._repo(repo)
            return [r for r in actions_of(self.state).reviews if r.repo_id == target.id]

    def comments(self: _Double, repo: Repo | str, number: int) -> list[Comment]:
        with self.state.lock:
            target = self._repo(repo)
            return [
                c for c in actions_of(self.state).comments if (c.repo_id, c.number) == (target.id, number)
            ]
