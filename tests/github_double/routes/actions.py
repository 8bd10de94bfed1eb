"""GitHub Actions runs: read a run and its jobs, cancel, force-cancel, re-run, and the verdict of a
custom deployment protection rule."""

from __future__ import annotations

from tests.github_double.actions_shapes import job_json, workflow_run_json
from tests.github_double.actions_state import Review, WorkflowRun
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.state import Repo


def _run(request: Request, level: str = "read") -> tuple[Repo, WorkflowRun]:
    repo = request.repo()
    request.require("actions", level)
    run = request.state.actions.runs.get(request.int_param("run_id"))
    if run is None or run.repo_id != repo.id:
        raise request.error(404, "Not Found")
    return repo, run


def get_run(request: Request) -> Reply:
    _, run = _run(request)
    return Reply(200, workflow_run_json(request.api, request.state, run))


def list_jobs(request: Request) -> Reply:
    _, run = _run(request)
    jobs = [job_json(request.api, request.state, job) for job in request.state.actions.jobs_of(run.id)]
    return paginated(request, jobs, key="jobs")


def _stop(request: Request, run: WorkflowRun) -> None:
    run.status, run.conclusion = "completed", "cancelled"
    for job in request.state.actions.jobs_of(run.id):
        if job.status != "completed":
            job.status, job.conclusion = "completed", "cancelled"


def cancel(request: Request) -> Reply:
    """A cancel stops the run unless one of its jobs keeps going (``always()``)."""
    _, run = _run(request, "write")
    if run.status == "completed":
        raise request.error(409, "Cannot cancel a workflow run that is completed.")
    run.requests.append("cancel")
    if not run.ignores_cancel:
        _stop(request, run)
    return Reply(202, {})


def force_cancel(request: Request) -> Reply:
    _, run = _run(request, "write")
    if run.status == "completed":
        raise request.error(409, "Cannot cancel a workflow run that is completed.")
    run.requests.append("force-cancel")
    _stop(request, run)
    return Reply(202, {})


def rerun(request: Request) -> Reply:
    """A new attempt of a finished run, with the original actor's privileges."""
    _, run = _run(request, "write")
    if run.status != "completed":
        raise request.error(403, "This workflow is already running")
    run.requests.append("rerun")
    run.run_attempt += 1
    run.status, run.conclusion = "queued", None
    for job in request.state.actions.jobs_of(run.id):
        job.status, job.conclusion = "queued", None
    return Reply(201, {})


def review_custom_gate(request: Request) -> Reply:
    """Only an App enabled as the environment's protection rule may answer for it."""
    repo, run = _run(request)
    request.require("deployments", "write")
    body = request.body
    environment = request.state.actions.environments.get((repo.id, body["environment_name"]))
    if environment is None or request.app().id not in environment.rule_apps.values():
        raise request.error(422, "No pending deployment requests to approve or reject")
    review = Review(repo.id, run.id, body["environment_name"], body.get("state"), body.get("comment"))
    request.state.actions.reviews.append(review)
    return Reply(204, None)


def register(router: Router) -> None:
    router.add("actions/get-workflow-run", get_run)
    router.add("actions/list-jobs-for-workflow-run", list_jobs)
    router.add("actions/cancel-workflow-run", cancel)
    router.add("actions/force-cancel-workflow-run", force_cancel)
    router.add("actions/re-run-workflow", rerun)
    router.add("actions/review-custom-gates-for-run", review_custom_gate)
