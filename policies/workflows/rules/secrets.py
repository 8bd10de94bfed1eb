"""``secrets-inherit``, ``secrets-tojson``, ``secrets-outside-environment``, ``excessive-permissions`` and
``spoofable-actor-check``."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from policies.base import Evidence, Finding, Severity
from policies.workflows.guards import Gate
from policies.workflows.model import Workflow
from policies.workflows.runs import JobRun, evidence_at, secret_names
from policies.workflows.triggers import Reach
from policies.yaml_source import Node, Scalar

_ALL_SECRETS = re.compile(r"toJSON\(\s*secrets\s*\)|\bsecrets\s*\[", re.IGNORECASE)


def secrets_inherit(workflow: Workflow, privileged: bool) -> Iterator[Finding]:
    for job in workflow.jobs:
        if isinstance(job.secrets, Scalar) and job.secrets.text == "inherit":
            target = job.uses.text if job.uses else "the called workflow"
            message = f"job '{job.id}' passes every secret to {target}" + (
                " in a workflow outsiders can start" if privileged else ""
            )
            fix = "Pass only the secrets the called workflow needs: `secrets: {NAME: ${{ secrets.NAME }}}`."
            yield Finding(
                "secrets-inherit", Severity.MEDIUM, message, (evidence_at(workflow, job.secrets),), fix
            )


def secrets_tojson(workflow: Workflow) -> Iterator[Finding]:
    text = "\n".join(workflow.lines)
    folded = text.lower().replace(" ", "")
    if "tojson(secrets)" not in folded and "secrets[" not in folded:
        return
    starts = [0]
    for line in workflow.lines:
        starts.append(starts[-1] + len(line) + 1)
    for match in _ALL_SECRETS.finditer(text):
        number = bisect.bisect_right(starts, match.start())
        line = workflow.lines[number - 1]
        if "${{" in line:
            yield Finding(
                "secrets-tojson",
                Severity.MEDIUM,
                "the whole secrets context is expanded, handing every secret to this step",
                (
                    Evidence(
                        workflow.path, number, match.start() - starts[number - 1] + 1, None, line.strip()
                    ),
                ),
                "Reference each secret by name (`secrets.NAME`) in the step that needs it.",
            )


def secrets_outside_environment(run: JobRun) -> Iterator[Finding]:
    if run.trigger.reach is not Reach.OUTSIDER_PRIVILEGED or run.job.environment is not None:
        return
    if run.cond.gates - {Gate.SPOOFABLE_ACTOR}:
        return
    names = sorted(secret_names(run.job, run.workflow) - {"GITHUB_TOKEN", "(all, inherited)"})
    if names:
        message = (
            f"job '{run.job.id}' reads {', '.join(names[:5])} on {run.trigger.event}, which outsiders can "
            "trigger, without an environment"
        )
        fix = (
            "Move the secrets to an environment with required reviewers or a deployment protection rule, "
            "and set `environment:` on the job."
        )
        yield Finding("secrets-outside-environment", Severity.LOW, message, run.job_evidence(), fix, "medium")


def excessive_permissions(workflow: Workflow, privileged: tuple[str, ...]) -> Iterator[Finding]:
    if not privileged:
        return
    events = ", ".join(privileged)
    fix = (
        "Add `permissions: {}` (or the read scopes needed) at the top of the workflow and grant each job "
        "only the write scopes it uses."
    )
    if workflow.permissions is None and any(job.permissions is None for job in workflow.jobs):
        key = workflow.root.key_node("on") or workflow.root.key_node("jobs")
        message = (
            f"workflow runs on {events}, which outsiders can trigger, with the repository's default token "
            "permissions (no permissions: block), often read and write"
        )
        yield Finding(
            "excessive-permissions",
            Severity.MEDIUM,
            message,
            (evidence_at(workflow, key or workflow.root),),
            fix,
            "medium",
        )
    for node in _write_all(workflow):
        message = f"write-all token on {events}, which outsiders can trigger"
        yield Finding("excessive-permissions", Severity.MEDIUM, message, (evidence_at(workflow, node),), fix)


def _write_all(workflow: Workflow) -> Iterator[Node]:
    candidates: list[Node | None] = [workflow.permissions, *(job.permissions for job in workflow.jobs)]
    for node in candidates:
        if isinstance(node, Scalar) and node.text == "write-all":
            yield node


def spoofable_actor(run: JobRun) -> Iterator[Finding]:
    if run.trigger.reach is not Reach.OUTSIDER_PRIVILEGED or Gate.SPOOFABLE_ACTOR not in run.cond.gates:
        return
    node = run.job.condition or run.job.key
    message = (
        f"job '{run.job.id}' ({run.trigger.event}) trusts github.actor being a bot; the actor is whoever "
        "caused the latest event, which an outsider can arrange"
    )
    fix = (
        "Check the pull request's author instead: "
        "`github.event.pull_request.user.login == 'dependabot[bot]'`, "
        "and keep the job free of untrusted code."
    )
    yield Finding("spoofable-actor-check", Severity.MEDIUM, message, (evidence_at(run.workflow, node),), fix)
