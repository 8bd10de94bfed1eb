"""Configuration as code: apply ``guard.yml`` when it lands on a default branch, preview it on pull requests.

Nothing a pull request proposes is applied: its check run "Pipeline Guard / config" validates the
proposed file and shows the configuration it would produce. Pushes to the default branch refresh the
stored layer; an invalid new version leaves the last valid one in force and raises an alert.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from guard.config_store import (
    NAMESPACE,
    ORG_FILE,
    ORG_REPOSITORY,
    REPO_FILE,
    ConfigFile,
    file_source,
    stored_entry,
)
from guard.engine import Context
from guard.events import PullRequestEvent, PushEvent
from guard.facts import pull_files, read_file
from guard.github import Client
from guard.routing import Router
from policies.base import Decision, RaiseAlert, SaveState
from policies.checks import CheckAnnotation, PublishCheckRun
from policies.config import Layer, Level, adopt, parse, preview, preview_title, render_preview, resolve

POLICY = "config"
CHECK_NAME = "Pipeline Guard / config"
PUSH_COMMITS_LISTED = 20  # a push payload lists at most 20 commits; beyond that, refresh to be sure

router = Router(permissions={"contents": "read", "checks": "write", "pull_requests": "read"})


@router.on("push", policy=POLICY)
def refresh_on_push(event: PushEvent, ctx: Context) -> Iterable[Decision]:
    repo = event.repository
    if event.deleted or event.branch != repo.default_branch:
        return []
    return [
        decision
        for file in _files_pushed(event)
        if (decision := _refresh(ctx, ctx.github, file, event.before, event.after))
    ]


def _files_pushed(event: PushEvent) -> list[ConfigFile]:
    paths = set(event.touched_paths)
    unsure = event.forced or len(event.commits) >= PUSH_COMMITS_LISTED
    files = [ConfigFile.repo(event.repository.full_name)] if unsure or REPO_FILE in paths else []
    if event.repository.name == ORG_REPOSITORY and (unsure or ORG_FILE in paths):
        files.append(ConfigFile.org(event.repository.owner))
    return files


def _refresh(ctx: Context, github: Client, file: ConfigFile, before: str, sha: str) -> Decision | None:
    stored = ctx.state.get(NAMESPACE, file.key)
    found = read_file(github, file.repository, file.path, ref=sha)
    if stored is not None and stored.get("sha") == found.sha:
        return None
    previous = _previous_layer(github, file, stored, before)
    adoption = adopt(
        previous,
        file_source(found),
        file=file.path,
        level=file.level,
        repository=file.repository,
        sha=found.sha,
    )
    alerts = list(adoption.alerts)
    if adoption.adopted and file.level is Level.REPO:
        org = ctx.configs.layer(github, ConfigFile.org(file.repository.split("/", 1)[0]))
        alerts += resolve(org, adoption.layer, repository=file.repository).alerts
    where = f"{file.repository}:{file.path}"
    summary = (
        f"{where} at {sha[:12]} is now in force"
        if adoption.adopted and found.content is not None
        else f"{where} was removed; the levels below it apply"
        if adoption.adopted
        else f"{where} at {sha[:12]} is invalid; the last valid version stays in force"
    )
    actions = [SaveState(NAMESPACE, file.key, stored_entry(adoption, found.sha)), *map(RaiseAlert, alerts)]
    return Decision(POLICY, summary, actions=tuple(actions), facts={"file": where, "blob": found.sha})


def _previous_layer(
    github: Client, file: ConfigFile, stored: dict[str, Any] | None, before: str
) -> Layer | None:
    """The layer in force before the push: stored, or read at the commit the push replaced."""
    if stored is not None:
        return Layer.from_json(stored["layer"]) if stored.get("layer") else None
    if not before.strip("0"):
        return None
    found = read_file(github, file.repository, file.path, ref=before)
    return parse(file_source(found), file=file.path, level=file.level, sha=found.sha).layer


@router.on("pull_request", "opened", "synchronize", "reopened", "edited", policy=POLICY)
def preview_on_pull_request(event: PullRequestEvent, ctx: Context) -> Iterable[Decision]:
    if event.action == "edited" and event.previous_base_ref is None:
        return []
    pull, repo = event.pull_request, event.repository
    changed = pull_files(ctx.github, repo.full_name, pull.number, pull.changed_files)
    targets = [ConfigFile.repo(repo.full_name)]
    if repo.name == ORG_REPOSITORY:
        targets.append(ConfigFile.org(repo.owner))
    decisions = []
    for file in targets:
        entry = changed.touches(file.path)
        if entry is None and not changed.truncated:
            continue
        deleted = entry is not None and (entry.status == "removed" or entry.path != file.path)
        content = (
            None if deleted else file_source(read_file(ctx.github, repo.full_name, file.path, pull.head.sha))
        )
        decisions.append(_preview(ctx, ctx.github, file, content, pull.head.sha))
    return decisions


def _preview(
    ctx: Context, github: Client, file: ConfigFile, content: bytes | None, head_sha: str
) -> Decision:
    repository = file.repository if file.level is Level.REPO else None
    org = ctx.configs.layer(github, ConfigFile.org(file.repository.split("/", 1)[0]))
    repo = ctx.configs.layer(github, ConfigFile.repo(file.repository))
    shown = preview(content, file=file.path, level=file.level, org=org, repo=repo, repository=repository)
    annotations = tuple(
        CheckAnnotation(file.path, max(p.line, 1), max(p.line, 1), "failure", p.message)
        for p in shown.problems[:50]
    )
    check = PublishCheckRun(
        repository=file.repository,
        head_sha=head_sha,
        name=CHECK_NAME if file.level is Level.REPO else f"{CHECK_NAME} (organisation)",
        conclusion="success" if shown.ok else "failure",
        title=preview_title(shown),
        summary=render_preview(shown),
        annotations=annotations,
    )
    return Decision(POLICY, check.title, actions=(check,), facts={"file": file.path, "head_sha": head_sha})
