"""``unpinned-action``: third-party actions used by tag or branch instead of a commit SHA."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policies.base import Finding, Severity
from policies.workflows.model import Workflow
from policies.workflows.runs import evidence_at
from policies.workflows.settings import AnalyserSettings
from policies.yaml_source import Scalar

_SHA = re.compile(r"^[0-9a-f]{40}$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def unpinned_actions(workflow: Workflow, settings: AnalyserSettings, privileged: bool) -> Iterator[Finding]:
    trusted = {owner.lower() for owner in settings.trusted_action_owners}
    for uses in _uses(workflow):
        text = uses.text.strip()
        if text.startswith("./") or "${{" in text:
            continue
        if text.startswith("docker://"):
            if not _DIGEST.search(text):
                yield _finding(workflow, uses, text, "a container image tag", privileged)
            continue
        owner = text.split("/", 1)[0].lower()
        ref = text.split("@", 1)[1] if "@" in text else ""
        if owner in trusted or _SHA.match(ref):
            continue
        yield _finding(workflow, uses, text, f"ref {ref!r}" if ref else "no ref", privileged)


def _finding(workflow: Workflow, uses: Scalar, text: str, what: str, privileged: bool) -> Finding:
    severity = Severity.MEDIUM if privileged else Severity.LOW
    message = f"{text} is pinned to {what}, which its publisher can move" + (
        "; this workflow runs with secrets for outsider-started events" if privileged else ""
    )
    fix = (
        f"Pin to the full commit SHA of the release you reviewed, e.g. `{text.split('@', 1)[0]}@<40-hex-sha> "
        "# v1.2.3`, and let Dependabot update it; or add the owner to trusted_action_owners."
    )
    return Finding("unpinned-action", severity, message, (evidence_at(workflow, uses),), fix, "high")


def _uses(workflow: Workflow) -> Iterator[Scalar]:
    for job in workflow.jobs:
        if job.uses is not None:
            yield job.uses
        for step in job.steps:
            if step.uses is not None:
                yield step.uses
