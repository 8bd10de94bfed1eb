"""Check runs: create, update (annotations append) and list for a ref."""

from __future__ import annotations

from typing import Any

from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.shapes import check_run_json, iso
from tests.github_double.state import CheckRun

OUTPUT_FIELDS = ("title", "summary", "text")


def _apply(request: Request, run: CheckRun, body: dict[str, Any]) -> None:
    """Set the fields a create or update request gives; a conclusion completes the run."""
    for key in ("name", "details_url", "external_id", "started_at", "status", "completed_at"):
        if key in body:
            setattr(run, key, body[key])
    if "actions" in body:
        run.actions = list(body["actions"])
    if "conclusion" in body:
        run.conclusion, run.status = body["conclusion"], "completed"
    if run.status == "completed" and run.conclusion is None:
        raise request.error(422, 'Invalid request.\n\n"conclusion" wasn\'t supplied.')
    if run.status == "completed" and run.completed_at is None:
        run.completed_at = iso(request.double.now())
    output = body.get("output") or {}
    run.output.update({key: output[key] for key in OUTPUT_FIELDS if key in output})
    run.annotations.extend(output.get("annotations", []))


def create(request: Request) -> Reply:
    repo = request.repo()
    request.require("checks", "write")
    body = request.body
    commit = repo.resolve(body["head_sha"])
    if commit is None:
        raise request.error(422, f"No commit found for SHA: {body['head_sha']}")
    run = CheckRun(
        id=request.state.next_id(),
        repo_id=repo.id,
        app_id=request.app().id,
        head_sha=commit.sha,
        name=body["name"],
        status="queued",
        conclusion=None,
        started_at=iso(request.double.now()),
        completed_at=None,
        external_id=None,
        details_url=None,
        output={},
        annotations=[],
        actions=[],
    )
    _apply(request, run, body)
    request.state.check_runs[run.id] = run
    return Reply(201, check_run_json(request.api, request.app(), repo, run))


def update(request: Request) -> Reply:
    repo = request.repo()
    request.require("checks", "write")
    run = request.state.check_runs.get(request.int_param("check_run_id"))
    if run is None or run.repo_id != repo.id:
        raise request.error(404, "Not Found")
    _apply(request, run, request.body)
    return Reply(200, check_run_json(request.api, request.app(), repo, run))


def _latest_per_name(runs: list[CheckRun]) -> list[CheckRun]:
    latest: dict[str, CheckRun] = {}
    for run in runs:
        if run.name not in latest or run.id > latest[run.name].id:
            latest[run.name] = run
    return list(latest.values())


def list_for_ref(request: Request) -> Reply:
    repo = request.repo()
    request.require("checks", "read")
    commit = repo.resolve(request.params["ref"])
    if commit is None:
        raise request.error(422, f"No commit found for SHA: {request.params['ref']}")
    query = request.query
    runs = [r for r in request.state.check_runs.values() if r.repo_id == repo.id and r.head_sha == commit.sha]
    runs = [
        r
        for r in runs
        if query.get("check_name") in (None, r.name) and query.get("status") in (None, r.status)
    ]
    runs = [r for r in runs if query.get("app_id") in (None, str(r.app_id))]
    if query.get("filter", "latest") == "latest":
        runs = _latest_per_name(runs)
    runs.sort(key=lambda r: r.id, reverse=True)
    items = [check_run_json(request.api, request.app(), repo, r) for r in runs]
    return paginated(request, items, key="check_runs")


def register(router: Router) -> None:
    router.add("checks/create", create)
    router.add("checks/update", update)
    router.add("checks/list-for-ref", list_for_ref)
