"""Recognise steps that download another run's artifacts, and where the files land."""

from __future__ import annotations

import re
from dataclasses import dataclass

from policies.workflows import actions
from policies.workflows.model import Step, per_object

_SCRIPT_DOWNLOAD = re.compile(r"downloadArtifact|listWorkflowRunArtifacts|\bgh\s+run\s+download\b")
_OUTSIDE = re.compile(r"runner\.temp|RUNNER_TEMP|^/tmp|^\$\{\{\s*runner\.temp")
_GH_DIR = re.compile(r"gh\s+run\s+download\b[^\n]*\s-D\s+(\S+)")


@dataclass(frozen=True)
class Download:
    """An artifact from another run, and the workspace directory it lands in (``None``: the root)."""

    step: Step
    path: str | None
    outside_workspace: bool


@per_object
def untrusted_download(step: Step) -> Download | None:
    """A step that fetches artifacts produced by another (possibly a fork's) run."""
    if step.action in actions.ARTIFACT_DOWNLOADS:
        cross_run = step.action != "actions/download-artifact" or "run-id" in step.with_
        if not cross_run:
            return None
        path = step.input("path")
        return _landing(step, path.text if path is not None else "")
    code = "\n".join([step.run.text if step.run else "", *(v.text for v in step.with_.values())])
    if ("artifact" in step.code_lower or "run download" in step.code_lower) and _SCRIPT_DOWNLOAD.search(code):
        match = _GH_DIR.search(code)
        return _landing(step, match.group(1) if match else "")
    return None


def _landing(step: Step, path: str) -> Download:
    path = path.strip()
    if _OUTSIDE.search(path):
        return Download(step, path, True)
    cleaned = path.strip("./") or None
    if cleaned and cleaned.startswith("${{") and "github.workspace" in cleaned:
        cleaned = cleaned.split("}}", 1)[-1].strip("/") or None
    return Download(step, cleaned, False)
