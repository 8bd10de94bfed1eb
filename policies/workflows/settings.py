"""Settings of the workflow analyser.

These become the ``fork_secrets`` keys of ``guard.yml``; until then callers pass an
``AnalyserSettings``. Every field has a safe default.

``trusted_action_owners``
    Owners (GitHub users or organisations) whose actions may be used by tag or branch without the
    ``unpinned-action`` finding. Default: ``actions`` and ``github``. Matching is case-insensitive.
``github_hosted_labels``
    Extra ``runs-on`` labels that name GitHub-hosted runners (larger runners you configured). Labels
    starting with ``ubuntu-``, ``windows-`` and ``macos-`` are always GitHub-hosted.
``self_hosted_labels``
    Labels that name your self-hosted runners even without the ``self-hosted`` label (for example a
    runner group's custom labels). Any label that is neither GitHub-hosted nor listed here is treated as
    self-hosted too; list yours to make the findings' wording exact.
``assume_default_token_writes``
    Whether a job with no ``permissions:`` anywhere holds a write-capable ``GITHUB_TOKEN``. GitHub's
    default for repositories created before February 2023, and for organisations that never changed it,
    is read and write. Default: ``True`` (fail closed).
``approval_environments``
    Environments known to require a reviewer's approval for each run. A job that uses one of them is not
    reported as reachable by outsiders. Environments not listed are treated as unknown: a job whose only
    protection is such an environment is reported at medium severity with low confidence.
``max_call_depth``
    How many levels of local composite actions and reusable workflows to follow (default 4).
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.workflows.actions import DEFAULT_TRUSTED_OWNERS


@dataclass(frozen=True)
class AnalyserSettings:
    """Settings of the workflow analyser; see the module docstring for each field."""

    trusted_action_owners: tuple[str, ...] = DEFAULT_TRUSTED_OWNERS
    github_hosted_labels: tuple[str, ...] = ()
    self_hosted_labels: tuple[str, ...] = ()
    assume_default_token_writes: bool = True
    approval_environments: tuple[str, ...] = ()
    max_call_depth: int = 4


DEFAULT_SETTINGS = AnalyserSettings()
