"""Publish check runs: create or update the guard's run for a commit, annotations in batches of 50."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from typing import Any

from guard.actions.registry import ActionContext, executes
from guard.github import Client, Forbidden, NotFound
from policies.base import as_json
from policies.checks import MAX_ANNOTATIONS_PER_REQUEST, MAX_OUTPUT_CHARS, CheckAnnotation, PublishCheckRun

NAMESPACE = "check_runs"
TRUNCATED = (
    "\n\n… (cut to fit GitHub's 65,535-character limit; the full result is in the guard's decision log)"
)


@executes(PublishCheckRun)
def publish(action: PublishCheckRun, ctx: ActionContext) -> str:
    """Create or update the run; a creation is announced in the state store before it is sent, so an
    attempt cut short after GitHub created the run (a lost answer, a crash) adopts that run instead of
    creating a second one."""
    key = f"{action.repository}@{action.head_sha}/{action.name}"
    digest = hashlib.sha256(json.dumps(as_json(action), sort_keys=True).encode()).hexdigest()
    previous = ctx.state.get(NAMESPACE, key) or {}
    if previous.get("digest") == digest and previous.get("id"):
        return f"check run {previous['id']} already shows this result"
    run_id = previous.get("id") if not previous.get("annotated") else None
    if run_id is None and previous.get("creating"):
        run_id = _created_earlier(ctx.github, action)
    elif run_id is None:
        ctx.state.put(NAMESPACE, key, {**previous, "creating": True})
    run_id = _write(ctx.github, action, run_id)
    ctx.state.put(NAMESPACE, key, {"id": run_id, "digest": digest, "annotated": bool(action.annotations)})
    return f"check run {run_id}: {action.conclusion or 'in progress'}"


def _created_earlier(github: Client, action: PublishCheckRun) -> int | None:
    """The newest run of this name on the commit: the one an interrupted attempt created, if any."""
    path = f"/repos/{_quote(action.repository)}/commits/{action.head_sha}/check-runs"
    data = github.get(path, {"check_name": action.name, "filter": "latest"}).data
    runs = data.get("check_runs") if isinstance(data, dict) else None
    ids = [int(run["id"]) for run in runs or [] if isinstance(run, dict) and run.get("name") == action.name]
    return max(ids, default=None)


def _write(github: Client, action: PublishCheckRun, run_id: int | None) -> int:
    """Update the earlier run (no annotations to duplicate) or create a new one; returns its id."""
    batches = [
        action.annotations[i : i + MAX_ANNOTATIONS_PER_REQUEST]
        for i in range(0, len(action.annotations), MAX_ANNOTATIONS_PER_REQUEST)
    ] or [()]
    base = f"/repos/{_quote(action.repository)}/check-runs"
    body = _body(action, batches[0])
    if run_id is not None:
        try:
            github.patch(f"{base}/{run_id}", body, idempotent=True)
        except (NotFound, Forbidden):  # gone, or (adopted by name) another App's run
            run_id = None
    if run_id is None:
        run_id = int(github.post(base, {"name": action.name, "head_sha": action.head_sha, **body}).data["id"])
    for batch in batches[1:]:
        github.patch(f"{base}/{run_id}", {"output": {**body["output"], "annotations": _annotations(batch)}})
    return run_id


def _body(action: PublishCheckRun, annotations: tuple[CheckAnnotation, ...]) -> dict[str, Any]:
    output: dict[str, Any] = {"title": action.title[:1000], "summary": _fit(action.summary)}
    if action.text:
        output["text"] = _fit(action.text)
    if annotations:
        output["annotations"] = _annotations(annotations)
    body: dict[str, Any] = {"output": output}
    if action.conclusion is None:
        body["status"] = "in_progress"
    else:
        body["conclusion"] = action.conclusion
    if action.buttons:
        body["actions"] = [as_json(button) for button in action.buttons]
    if action.external_id:
        body["external_id"] = action.external_id
    return body


def _annotations(batch: tuple[CheckAnnotation, ...]) -> list[dict[str, Any]]:
    return [
        {
            "path": a.path,
            "start_line": a.start_line,
            "end_line": a.end_line,
            "annotation_level": a.level,
            "message": a.message[:60_000],
            **({"title": a.title[:255]} if a.title else {}),
        }
        for a in batch
    ]


def _fit(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT_CHARS else text[: MAX_OUTPUT_CHARS - len(TRUNCATED)] + TRUNCATED


def _quote(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"{urllib.parse.quote(owner, safe='')}/{urllib.parse.quote(name, safe='')}"
