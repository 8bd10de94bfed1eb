"""Static analysis of GitHub Actions workflows and composite actions: every way a forked pull request
(or an outsider's issue, comment or review) can reach secrets or a write-capable token.

Pure code: no network, no database, no clock. The stable interface:

``analyse(files, *, settings=DEFAULT_SETTINGS) -> Analysis``
    ``files`` maps repository paths (``.github/workflows/ci.yml``, ``action.yml``,
    ``.github/actions/x/action.yml``) to their bytes. Local ``uses: ./...`` actions and reusable
    workflows are followed when their files are in the mapping. ``Analysis.findings[path]`` holds the
    findings of each file (``policies.base.Finding``); a file that could not be parsed has an
    ``invalid-workflow`` finding and an entry in ``Analysis.errors``.
``is_dangerous(content, *, path=..., files=None, settings=...) -> bool``
    Whether a workflow has an unsuppressed critical or high finding, i.e. a fork can get secrets or a
    write token. Fails closed: a file that cannot be analysed counts as dangerous.
``fork_triggers(content, *, path=...) -> tuple[str, ...]``
    The triggers of a workflow that an outsider can cause, for the runtime cancel policy.
``privileged_triggers(content, *, path=...) -> tuple[str, ...]``
    Those of them whose runs hold secrets and a write-capable token (``Trigger.reach`` says why).
``AnalyserSettings``
    Settings (trusted action owners, runner labels, approval environments); see ``settings``.
``RULES``
    Rule identifiers with titles and help text.

``policies.workflows.report`` renders an ``Analysis`` as text, JSON or SARIF 2.1.0.
"""

from __future__ import annotations

from collections.abc import Mapping

from policies.base import Severity
from policies.workflows.analyser import Analysis, analyse, parse_file, triggers_of
from policies.workflows.catalogue import RULES, Rule
from policies.workflows.settings import DEFAULT_SETTINGS, AnalyserSettings
from policies.workflows.triggers import Reach, Trigger, fork_reachable, privileged

__all__ = [
    "DEFAULT_SETTINGS",
    "RULES",
    "AnalyserSettings",
    "Analysis",
    "Reach",
    "Rule",
    "Trigger",
    "analyse",
    "fork_triggers",
    "is_dangerous",
    "privileged_triggers",
]

DEFAULT_PATH = ".github/workflows/workflow.yml"


def is_dangerous(
    content: bytes | str,
    *,
    path: str = DEFAULT_PATH,
    files: Mapping[str, bytes | str] | None = None,
    settings: AnalyserSettings = DEFAULT_SETTINGS,
) -> bool:
    """True when the workflow has an unsuppressed critical or high finding, or cannot be analysed."""
    analysis = analyse({**(files or {}), path: content}, settings=settings)
    return analysis.blocking(Severity.HIGH, path)


def fork_triggers(content: bytes | str, *, path: str = DEFAULT_PATH) -> tuple[str, ...]:
    """Names of the workflow's triggers an outsider can cause; raises ``YamlError``/``ShapeError``."""
    return tuple(t.event for t in fork_reachable(triggers_of(parse_file(path, content))))


def privileged_triggers(content: bytes | str, *, path: str = DEFAULT_PATH) -> tuple[str, ...]:
    """Names of the outsider-reachable triggers whose runs hold secrets and a write-capable token."""
    return tuple(t.event for t in privileged(triggers_of(parse_file(path, content))))
