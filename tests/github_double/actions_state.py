"""The double's GitHub Actions: workflow runs and jobs, environments with their protection rules and
secrets, the Actions settings that decide what forks get, and pull request comments.

A run is cancelled by a cancel request unless one of its jobs keeps going (``ignores_cancel``, as a step
guarded by ``always()`` does); a force-cancel always stops it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Job:
    id: int
    run_id: int
    name: str
    labels: list[str]
    status: str = "queued"
    conclusion: str | None = None


@dataclass
class WorkflowRun:
    """``head_repo_id`` differs from ``repo_id`` for a fork's run; ``pull_numbers`` lists only
    pull requests from the repository itself, as GitHub does."""

    id: int
    repo_id: int
    workflow_id: int
    name: str
    path: str
    event: str
    head_sha: str
    head_commit_sha: str
    head_branch: str
    head_repo_id: int
    actor: str
    triggering_actor: str
    run_number: int
    created_at: float
    run_attempt: int = 1
    status: str = "queued"
    conclusion: str | None = None
    ignores_cancel: bool = False
    requests: list[str] = field(default_factory=list)
    pull_numbers: list[int] = field(default_factory=list)


@dataclass
class Environment:
    id: int
    repo_id: int
    name: str
    secrets: list[str] = field(default_factory=list)
    rule_apps: dict[int, int] = field(default_factory=dict)  # protection rule id -> App id


@dataclass
class ActionsSettings:
    """GitHub's defaults for a new repository."""

    approval_policy: str = "first_time_contributors"
    run_workflows_from_fork_pull_requests: bool = False
    send_write_tokens_to_workflows: bool = False
    send_secrets_and_variables: bool = False
    require_approval_for_fork_pr_workflows: bool = True
    default_workflow_permissions: str = "read"
    can_approve_pull_request_reviews: bool = False


@dataclass(frozen=True)
class Review:
    """A verdict an App posted on a run's deployment protection rule."""

    repo_id: int
    run_id: int
    environment: str
    state: str | None
    comment: str | None


@dataclass(frozen=True)
class Comment:
    id: int
    repo_id: int
    number: int
    body: str
    user: str


@dataclass
class ActionsState:
    runs: dict[int, WorkflowRun] = field(default_factory=dict)
    jobs: dict[int, Job] = field(default_factory=dict)
    environments: dict[tuple[int, str], Environment] = field(default_factory=dict)
    settings: dict[int, ActionsSettings] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    def settings_for(self, repo_id: int) -> ActionsSettings:
        return self.settings.setdefault(repo_id, ActionsSettings())

    def jobs_of(self, run_id: int) -> list[Job]:
        return [job for job in self.jobs.values() if job.run_id == run_id]

    def run_numbers(self, repo_id: int) -> int:
        return 1 + sum(1 for run in self.runs.values() if run.repo_id == repo_id)
