"""Helpers for analyser tests: analyse inline YAML and pick findings by rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

from policies.base import Finding
from policies.workflows import Analysis, analyse

DATA = Path(__file__).resolve().parents[2] / "data" / "workflows"
WORKFLOW = ".github/workflows/ci.yml"


def run(yaml_text: str, path: str = WORKFLOW, **others: str) -> Analysis:
    """Analyse one workflow (dedented), with other repository files given as keyword paths."""
    files = {path: textwrap.dedent(yaml_text)}
    files.update({key.replace("__", "/"): textwrap.dedent(value) for key, value in others.items()})
    return analyse(files)


def findings(analysis: Analysis, rule: str, path: str = WORKFLOW) -> list[Finding]:
    return [f for f in analysis.findings.get(path, ()) if f.rule == rule]
