"""GitHub Actions objects in GitHub's shapes: workflow runs, jobs, environments and protection rules."""

from __future__ import annotations

from typing import Any

from tests.github_double.actions_state import Environment, Job, WorkflowRun
from tests.github_double.shapes import WEB, account_json, iso, repository_json
from tests.github_double.state import AppRecord, Repo, State, node_id

_MINIMAL_DROPPED = ("organization", "parent", "source", "network_count", "subscribers_count")


def minimal_repository_json(api: str, repo: Repo) -> dict[str, Any]:
    body = repository_json(api, repo, full=False)
    for key in _MINIMAL_DROPPED:
        body.pop(key, None)
    return body


def _commit_json(state: State, repo: Repo, run: WorkflowRun) -> dict[str, Any]:
    commit = repo.commits[run.head_commit_sha]
    author = {"name": commit.author or commit.author_email, "email": commit.author_email}
    committer = {"name": commit.committer or commit.committer_email, "email": commit.committer_email}
    return {
        "id": commit.sha,
        "tree_id": commit.sha,
        "message": commit.message,
        "timestamp": iso(commit.date),
        "author": author,
        "committer": committer,
    }


def _pulls_json(api: str, repo: Repo, state: State, run: WorkflowRun) -> list[dict[str, Any]]:
    listed = []
    for number in run.pull_numbers:
        pull = state.pulls[(repo.id, number)]
        side = {"id": repo.id, "url": f"{api}/repos/{repo.full_name}", "name": repo.name}
        listed.append(
            {
                "id": repo.id * 1000 + number,
                "number": number,
                "url": f"{api}/repos/{repo.full_name}/pulls/{number}",
                "head": {"ref": pull.head_ref, "sha": pull.head_sha, "repo": side},
                "base": {"ref": pull.base_ref, "sha": pull.base_sha, "repo": side},
            }
        )
    return listed


def workflow_run_json(api: str, state: State, run: WorkflowRun) -> dict[str, Any]:
    """A ``workflow-run`` object."""
    repo = state.repo_by_id(run.repo_id)
    head = state.repo_by_id(run.head_repo_id)
    assert repo is not None
    assert head is not None
    url = f"{api}/repos/{repo.full_name}/actions/runs/{run.id}"
    actor = account_json(api, state.account(run.actor, "User"))
    return {
        "id": run.id,
        "name": run.name,
        "node_id": node_id("WorkflowRun", run.id),
        "check_suite_id": run.id + 1,
        "check_suite_node_id": node_id("CheckSuite", run.id + 1),
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "run_number": run.run_number,
        "run_attempt": run.run_attempt,
        "referenced_workflows": [],
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": _pulls_json(api, repo, state, run),
        "created_at": iso(run.created_at),
        "updated_at": iso(run.created_at),
        "run_started_at": iso(run.created_at),
        "actor": actor,
        "triggering_actor": account_json(api, state.account(run.triggering_actor, "User")),
        "jobs_url": f"{url}/jobs",
        "logs_url": f"{url}/logs",
        "check_suite_url": f"{api}/repos/{repo.full_name}/check-suites/{run.id + 1}",
        "artifacts_url": f"{url}/artifacts",
        "cancel_url": f"{url}/cancel",
        "rerun_url": f"{url}/rerun",
        "previous_attempt_url": f"{url}/attempts/{run.run_attempt - 1}" if run.run_attempt > 1 else None,
        "workflow_url": f"{api}/repos/{repo.full_name}/actions/workflows/{run.workflow_id}",
        "head_commit": _commit_json(state, repo, run),
        "repository": minimal_repository_json(api, repo),
        "head_repository": minimal_repository_json(api, head),
        "display_title": "Change",
    }


def job_json(api: str, state: State, job: Job) -> dict[str, Any]:
    """A ``job`` object; runner fields stay null until a runner takes the job."""
    run = state.actions.runs[job.run_id]
    repo = state.repo_by_id(run.repo_id)
    assert repo is not None
    url = f"{api}/repos/{repo.full_name}/actions/jobs/{job.id}"
    return {
        "id": job.id,
        "run_id": run.id,
        "run_url": f"{api}/repos/{repo.full_name}/actions/runs/{run.id}",
        "run_attempt": run.run_attempt,
        "node_id": node_id("CheckRun", job.id),
        "head_sha": run.head_sha,
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/actions/runs/{run.id}/job/{job.id}",
        "status": job.status,
        "conclusion": job.conclusion,
        "created_at": iso(run.created_at),
        "started_at": iso(run.created_at),
        "completed_at": None,
        "name": job.name,
        "steps": [],
        "check_run_url": f"{api}/repos/{repo.full_name}/check-runs/{job.id}",
        "labels": list(job.labels),
        "runner_id": None,
        "runner_name": None,
        "runner_group_id": None,
        "runner_group_name": None,
        "workflow_name": run.name,
        "head_branch": run.head_branch,
    }


def protection_rule_json(api: str, app: AppRecord, rule_id: int) -> dict[str, Any]:
    return {
        "id": rule_id,
        "node_id": node_id("DeploymentProtectionRule", rule_id),
        "enabled": True,
        "app": {
            "id": app.id,
            "slug": app.slug,
            "integration_url": f"{api}/apps/{app.slug}",
            "node_id": node_id("Integration", app.id),
        },
    }


def environment_json(api: str, repo: Repo, environment: Environment) -> dict[str, Any]:
    return {
        "id": environment.id,
        "node_id": node_id("Environment", environment.id),
        "name": environment.name,
        "url": f"{api}/repos/{repo.full_name}/environments/{environment.name}",
        "html_url": f"{WEB}/{repo.full_name}/deployments/activity_log?environments_filter={environment.name}",
        "created_at": iso(0),
        "updated_at": iso(0),
        "protection_rules": [],
        "deployment_branch_policy": None,
    }
