"""``artifact-poisoning`` and ``untrusted-env-write``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policies.base import Finding, Severity
from policies.workflows import actions, commands
from policies.workflows.checkouts import find_checkout, runs_tree
from policies.workflows.downloads import untrusted_download
from policies.workflows.guards import Gate
from policies.workflows.rules.injection import carries_newlines, judge
from policies.workflows.runs import FlatStep, JobRun, span_evidence
from policies.workflows.taint import Kind
from policies.workflows.triggers import ACTOR_IS_AUTHOR, Reach

FIX_ARTIFACT = (
    "Download the artifact to `${{ runner.temp }}`, treat every file in it as untrusted data (validate, "
    "never execute, never source), and gate the job on "
    "`github.event.workflow_run.head_repository.full_name == github.repository` if it must run tools."
)
FIX_ENV = (
    "Do not write untrusted data to GITHUB_ENV or GITHUB_PATH. Validate it against a strict pattern (for "
    "example digits only) first, or pass it to later steps through step outputs used via `env:`."
)
_READS_FILE = re.compile(
    r"\bcat\s|\$\(<|<\s*[\w.$\"'/{}-]+\s*$|\bdone\s*<|\bjq\b|\bhead\s|\btail\s|\bsed\s", re.MULTILINE
)


def artifact_poisoning(run: JobRun) -> Iterator[Finding]:
    if run.trigger.reach is not Reach.OUTSIDER_PRIVILEGED:
        return
    for flat in run.steps:
        download = untrusted_download(flat.step)
        if download is None or download.outside_workspace or _trusted(run, flat):
            continue
        for later in run.steps[flat.position + 1 :]:
            if later.step.action == actions.CHECKOUT and find_checkout(later) is None:
                break
            reason = runs_tree(later, download.path)
            if reason is not None:
                yield _poisoning(run, flat, later, reason)
                break


def _poisoning(run: JobRun, download: FlatStep, later: FlatStep, reason: str) -> Finding:
    severity = Severity.CRITICAL if run.loot or run.runner else Severity.MEDIUM
    path = download.step.input("path")
    where = f"into {path.text!r}" if path is not None else "into the workspace"
    name = later.step.name or later.step.id or f"#{later.step.index + 1}"
    message = (
        f"job '{run.job.id}' ({run.trigger.event}) downloads another run's artifact {where}, then step "
        f"'{name}' {reason}; files in the artifact can replace what that step runs; " + _holds(run)
    )
    evidence = (*download.evidence(), *later.evidence()[len(later.via) :])
    return Finding("artifact-poisoning", severity, message, evidence, FIX_ARTIFACT, "medium")


def untrusted_env_write(run: JobRun) -> Iterator[Finding]:
    if run.trigger.reach is not Reach.OUTSIDER_PRIVILEGED:
        return
    sources = _file_sources(run)
    for flat in run.steps:
        script = flat.step.run.text if flat.step.run else ""
        for target, offset, line in commands.env_file_writes(script):
            if target == "GITHUB_OUTPUT":
                continue
            why = _untrusted_line(run, flat, line, script, sources)
            if why is None:
                continue
            severity, origin = why
            message = (
                f"job '{run.job.id}' ({run.trigger.event}) writes {origin} to {target}; a crafted value "
                f"sets variables (NODE_OPTIONS, LD_PRELOAD, BASH_ENV...) for every later step; " + _holds(run)
            )
            assert flat.step.run is not None
            evidence = (*flat.via, span_evidence(flat.owner, flat.step.run, offset, line))
            yield Finding("untrusted-env-write", severity, message, evidence, FIX_ENV, "medium")


def _untrusted_line(
    run: JobRun, flat: FlatStep, line: str, script: str, sources: dict[int, str]
) -> tuple[Severity, str] | None:
    gates = run.gates_at(flat.position)
    if _READS_FILE.search(script):
        earlier = [text for position, text in sources.items() if position < flat.position]
        if earlier and not gates & {Gate.SAME_REPO, Gate.TRUSTED_AUTHOR}:
            severity = Severity.CRITICAL if run.loot or run.runner else Severity.HIGH
            return severity, f"the contents of {earlier[0]}"
    taint = flat.scope.text(line, flat.step) | flat.scope.shell_env(line, flat.step)
    verdict = judge(run, gates, frozenset(o for o in taint if o.kind is not Kind.TEXT or carries_newlines(o)))
    if verdict is None or verdict[0] < Severity.HIGH:
        return None
    return Severity.HIGH, f"{verdict[2].kind.value} ({verdict[2].detail})"


def _file_sources(run: JobRun) -> dict[int, str]:
    """Positions of steps after which files in the workspace come from an outsider."""
    sources: dict[int, str] = {}
    for flat in run.steps:
        if untrusted_download(flat.step) is not None and not _trusted(run, flat):
            sources[flat.position] = "a downloaded artifact"
        elif find_checkout(flat) is not None and not _trusted(run, flat):
            sources[flat.position] = "a file from the pull request's tree"
    return sources


def _trusted(run: JobRun, flat: FlatStep) -> bool:
    gates = run.gates_at(flat.position)
    if gates & {Gate.SAME_REPO, Gate.TRUSTED_AUTHOR}:
        return True
    return Gate.TRUSTED_ACTOR in gates and run.trigger.event in ACTOR_IS_AUTHOR


def _holds(run: JobRun) -> str:
    held = list(run.loot) + ([f"a self-hosted runner ({run.runner})"] if run.runner else [])
    return "the job holds " + "; ".join(held) if held else "the job holds no secrets and a read-only token"
