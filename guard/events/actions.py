"""GitHub Actions events: workflow runs, workflow jobs and deployment protection rule requests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from guard.events.common import (
    Actor,
    Event,
    PullRequestRef,
    RepoRef,
    Repository,
    envelope,
    read_actor,
    read_pull_request_ref,
    read_repo_ref,
    read_repository,
)
from guard.events.payload import EventError, Node, quoted

_CALLBACK_RUN_ID = re.compile(r"/actions/runs/([0-9]{1,19})/deployment_protection_rule/?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferencedWorkflow:
    """A reusable workflow a run called; ``ref`` is absent when it was pinned by ``sha``."""

    path: str
    sha: str
    ref: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowRun:
    """A workflow run.

    ``head_branch`` and ``display_title`` come from whoever pushed the head: never interpolate them.
    ``pull_requests`` is empty for runs from forks, so decide fork origin with ``from_fork``.
    """

    id: int
    name: str | None
    path: str
    display_title: str | None
    event: str
    status: str | None
    conclusion: str | None
    head_sha: str
    head_branch: str | None
    head_commit_id: str | None
    run_number: int
    run_attempt: int
    workflow_id: int
    check_suite_id: int | None
    actor: Actor | None
    triggering_actor: Actor | None
    repository: RepoRef
    head_repository: RepoRef | None
    pull_requests: tuple[PullRequestRef, ...]
    referenced_workflows: tuple[ReferencedWorkflow, ...]

    @property
    def from_fork(self) -> bool:
        """True unless the head repository is known to be the run's own repository (fails closed)."""
        return self.head_repository is None or self.head_repository.id != self.repository.id


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowRunEvent(Event):
    """``workflow_run``: ``requested``, ``in_progress`` or ``completed``."""

    repository: Repository
    sender: Actor
    workflow_run: WorkflowRun


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowJob:
    """A job of a workflow run; runner fields stay ``None`` until a runner picks the job up."""

    id: int
    run_id: int
    run_attempt: int | None
    name: str
    workflow_name: str | None
    head_sha: str
    head_branch: str | None
    status: str
    conclusion: str | None
    labels: tuple[str, ...]
    runner_id: int | None
    runner_name: str | None
    runner_group_id: int | None
    runner_group_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """The deployment a job or a protection rule request is about."""

    id: int
    environment: str
    ref: str
    sha: str
    task: str | None
    creator: Actor | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowJobEvent(Event):
    """``workflow_job``: ``queued``, ``waiting``, ``in_progress`` or ``completed``."""

    repository: Repository
    sender: Actor
    workflow_job: WorkflowJob
    deployment: Deployment | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploymentProtectionRuleEvent(Event):
    """``deployment_protection_rule``: a job waits for this App to approve or reject its environment.

    ``run_id`` is read from ``deployment_callback_url``, the URL to answer on.
    """

    environment: str
    event: str
    ref: str | None
    sha: str | None
    deployment_callback_url: str
    run_id: int
    deployment: Deployment | None
    pull_requests: tuple[PullRequestRef, ...]


def read_referenced_workflow(node: Node) -> ReferencedWorkflow:
    return ReferencedWorkflow(path=node.text("path"), sha=node.text("sha"), ref=node.opt_text("ref"))


def read_workflow_run(node: Node, workflow_path: str | None = None) -> WorkflowRun:
    """Read ``workflow_run``; older payloads lack its ``path``, so the top-level workflow's is used."""
    head_commit = node.opt_child("head_commit")
    return WorkflowRun(
        id=node.integer("id"),
        name=node.opt_text("name"),
        path=node.opt_text("path") or workflow_path or node.text("path"),
        display_title=node.opt_text("display_title"),
        event=node.text("event"),
        status=node.opt_text("status"),
        conclusion=node.opt_text("conclusion"),
        head_sha=node.text("head_sha"),
        head_branch=node.opt_text("head_branch"),
        head_commit_id=None if head_commit is None else head_commit.text("id"),
        run_number=node.integer("run_number"),
        run_attempt=node.integer("run_attempt"),
        workflow_id=node.integer("workflow_id"),
        check_suite_id=node.opt_integer("check_suite_id"),
        actor=node.opt_read("actor", read_actor),
        triggering_actor=node.opt_read("triggering_actor", read_actor),
        repository=node.read("repository", read_repo_ref),
        head_repository=node.opt_read("head_repository", read_repo_ref),
        pull_requests=node.each("pull_requests", read_pull_request_ref),
        referenced_workflows=node.each("referenced_workflows", read_referenced_workflow, required=False),
    )


def parse_workflow_run(name: str, root: Node) -> WorkflowRunEvent:
    workflow = root.opt_child("workflow")
    workflow_path = None if workflow is None else workflow.opt_text("path")
    return WorkflowRunEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        workflow_run=read_workflow_run(root.child("workflow_run"), workflow_path),
    )


def read_workflow_job(node: Node) -> WorkflowJob:
    return WorkflowJob(
        id=node.integer("id"),
        run_id=node.integer("run_id"),
        run_attempt=node.opt_integer("run_attempt"),
        name=node.text("name"),
        workflow_name=node.opt_text("workflow_name"),
        head_sha=node.text("head_sha"),
        head_branch=node.opt_text("head_branch"),
        status=node.text("status"),
        conclusion=node.opt_text("conclusion"),
        labels=node.texts("labels"),
        runner_id=node.opt_integer("runner_id"),
        runner_name=node.opt_text("runner_name"),
        runner_group_id=node.opt_integer("runner_group_id"),
        runner_group_name=node.opt_text("runner_group_name"),
    )


def read_deployment(node: Node) -> Deployment:
    return Deployment(
        id=node.integer("id"),
        environment=node.text("environment"),
        ref=node.text("ref"),
        sha=node.text("sha"),
        task=node.opt_text("task"),
        creator=node.opt_read("creator", read_actor),
    )


def parse_workflow_job(name: str, root: Node) -> WorkflowJobEvent:
    return WorkflowJobEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        workflow_job=root.read("workflow_job", read_workflow_job),
        deployment=root.opt_read("deployment", read_deployment),
    )


def callback_run_id(root: Node) -> int:
    """The workflow run id in ``…/actions/runs/{run_id}/deployment_protection_rule``."""
    url = root.text("deployment_callback_url")
    match = _CALLBACK_RUN_ID.search(url)
    if match is None:
        raise EventError(root.at("deployment_callback_url"), f"is {quoted(url)}, which names no workflow run")
    return int(match.group(1))


def parse_deployment_protection_rule(name: str, root: Node) -> DeploymentProtectionRuleEvent:
    return DeploymentProtectionRuleEvent(
        **envelope(name, root),
        repository=root.opt_read("repository", read_repository),
        sender=root.opt_read("sender", read_actor),
        environment=root.text("environment"),
        event=root.text("event"),
        ref=root.opt_text("ref"),
        sha=root.opt_text("sha"),
        deployment_callback_url=root.text("deployment_callback_url"),
        run_id=callback_run_id(root),
        deployment=root.opt_read("deployment", read_deployment),
        pull_requests=root.each("pull_requests", read_pull_request_ref, required=False),
    )
