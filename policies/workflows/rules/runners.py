"""``self-hosted-fork``: self-hosted runners that fork pull requests reach."""

from __future__ import annotations

from collections.abc import Iterator

from policies.base import Finding, Severity
from policies.workflows.guards import Gate
from policies.workflows.runs import JobRun, unknown_runner
from policies.workflows.triggers import Reach

FIX = (
    "Run jobs that fork pull requests can start on GitHub-hosted runners, or add "
    "`if: github.event.pull_request.head.repo.full_name == github.repository` and require approval for all "
    "outside contributors in the repository's Actions settings; use ephemeral, isolated self-hosted runners."
)


def self_hosted_fork(run: JobRun) -> Iterator[Finding]:
    if run.trigger.reach not in (Reach.OUTSIDER_UNPRIVILEGED, Reach.REVIEW):
        return
    if run.runner is None:
        yield from _unknown_label(run)
        return
    guarded = bool(run.cond.gates & {Gate.SAME_REPO, Gate.TRUSTED_AUTHOR, Gate.TRUSTED_ACTOR})
    if guarded:
        message = (
            f"job '{run.job.id}' runs on self-hosted runner label {run.runner!r} for {run.trigger.event}; "
            "its condition keeps forks out, but on pull_request a fork's own copy of this workflow runs, "
            "and the fork can drop the condition"
        )
        yield Finding("self-hosted-fork", Severity.MEDIUM, message, run.job_evidence(), FIX, "medium")
        return
    message = (
        f"job '{run.job.id}' runs on self-hosted runner label {run.runner!r} for {run.trigger.event} "
        "events, including pull requests from forks: the contributor's code runs on your machine, "
        "which may keep state, credentials and network access between jobs"
    )
    yield Finding("self-hosted-fork", Severity.HIGH, message, run.job_evidence(), FIX, "high")


def _unknown_label(run: JobRun) -> Iterator[Finding]:
    label = unknown_runner(run.job, run.settings)
    if label is None or run.cond.blocks_outsiders():
        return
    message = (
        f"job '{run.job.id}' runs on {label!r} for {run.trigger.event} events, which is not a GitHub-hosted "
        "runner label; if it names a self-hosted runner, forks' pull requests run code on it (list it in "
        "self_hosted_labels or github_hosted_labels to make this finding exact)"
    )
    yield Finding("self-hosted-fork", Severity.MEDIUM, message, run.job_evidence(), FIX, "low")
