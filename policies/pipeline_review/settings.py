"""Settings of the pipeline-review policy: the JSON Schema, with every key's default and meaning.

The defaults are the ``default`` values in ``SCHEMA``; ``policies.config`` layers the organisation's and the
repository's ``guard.yml`` over them and hands the policy a ``PipelineReviewSettings``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.base import Mode
from policies.patterns import MAX_ENTRIES, match_path

# Files that define or control a pipeline. Always reviewed; ``paths`` only adds to this list.
BUILTIN_PATHS: tuple[str, ...] = (
    ".github/workflows/**",
    ".github/actions/**",
    "**/action.yml",
    "**/action.yaml",
    ".github/workflow-templates/**",
    ".github/dependabot.yml",
    ".github/dependabot.yaml",
    "CODEOWNERS",
    ".github/CODEOWNERS",
    "docs/CODEOWNERS",
    "guard.yml",
    ".github/guard.yml",
    ".gitmodules",
    ".circleci/**",
    ".gitlab-ci.yml",
    "azure-pipelines*.yml",
    "azure-pipelines*.yaml",
    "**/Jenkinsfile*",
    ".buildkite/**",
    ".travis.yml",
)

# Changing one of these changes who reviews or what the guard enforces: ``config_change_approvals`` applies.
CONFIG_PATHS: tuple[str, ...] = (
    "guard.yml",
    ".github/guard.yml",
    "CODEOWNERS",
    ".github/CODEOWNERS",
    "docs/CODEOWNERS",
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Pull requests that change pipeline files need an independent approval, reported by "
    "the `Pipeline Guard / review` check run.",
    "properties": {
        "mode": {
            "type": "string",
            "enum": [m.value for m in Mode],
            "default": Mode.ENFORCE.value,
            "description": "`off` does nothing, `observe` reports the review state in a neutral check run, "
            "`enforce` makes the check fail until the required approvals are in.",
        },
        "reviewers": {
            "type": "object",
            "additionalProperties": False,
            "description": "Who may give the independent approval. When both lists are empty, any user "
            "with write access may, except the author and anyone who pushed to the pull "
            "request.",
            "properties": {
                "teams": {
                    "type": "array",
                    "x-merge": "replace",
                    "uniqueItems": True,
                    "maxItems": MAX_ENTRIES,
                    "default": [],
                    "items": {"type": "string", "format": "team-slug"},
                    "description": "Team slugs whose members may approve. A grant: a level that sets it "
                    "replaces the inherited list.",
                },
                "users": {
                    "type": "array",
                    "x-merge": "replace",
                    "uniqueItems": True,
                    "maxItems": MAX_ENTRIES,
                    "default": [],
                    "items": {"type": "string", "format": "github-login"},
                    "description": "User names who may approve. A grant: a level that sets it replaces "
                    "the inherited list.",
                },
            },
        },
        "required_approvals": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10,
            "default": 1,
            "description": "Approvals from reviewers a pipeline change needs, counted on the head commit; "
            "the author, committers and pushers never count.",
        },
        "config_change_approvals": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10,
            "default": 2,
            "description": "Approvals needed instead when the change touches a `guard.yml` or `CODEOWNERS` "
            "file; the larger of this and `required_approvals` applies.",
        },
        "paths": {
            "type": "array",
            "x-merge": "add",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": [],
            "items": {"type": "string", "format": "path-pattern", "maxLength": 1024},
            "description": "More pipeline files (globs from the repository root, e.g. `scripts/ci/**`), "
            "added to the built-in list. Paths add up across levels and cannot be removed.",
        },
        "approving_bots": {
            "type": "array",
            "x-merge": "replace",
            "uniqueItems": True,
            "maxItems": MAX_ENTRIES,
            "default": [],
            "items": {"type": "string", "format": "bot-login"},
            "description": "Bot accounts (`name[bot]`) whose approvals count; by default no bot or App "
            "approval counts. A grant: a level that sets it replaces the inherited list.",
        },
    },
}


@dataclass(frozen=True)
class Reviewers:
    teams: tuple[str, ...]
    users: tuple[str, ...]


@dataclass(frozen=True)
class PipelineReviewSettings:
    mode: Mode
    reviewers: Reviewers
    required_approvals: int
    config_change_approvals: int
    paths: tuple[str, ...]
    approving_bots: tuple[str, ...]

    @property
    def all_paths(self) -> tuple[str, ...]:
        """The built-in pipeline files followed by the configured ``paths``."""
        return BUILTIN_PATHS + self.paths

    def is_pipeline_file(self, path: str) -> bool:
        return any(match_path(pattern, path) for pattern in self.all_paths)

    def approvals_needed(self, changed_paths: tuple[str, ...]) -> int:
        """Approvals a change to ``changed_paths`` needs (assuming it touches a pipeline file)."""
        touches_config = any(match_path(p, path) for p in CONFIG_PATHS for path in changed_paths)
        return max(self.required_approvals, self.config_change_approvals if touches_config else 0)


def from_data(data: Mapping[str, Any]) -> PipelineReviewSettings:
    """Typed settings from merged, validated data (every key present)."""
    return PipelineReviewSettings(
        mode=Mode(data["mode"]),
        reviewers=Reviewers(tuple(data["reviewers"]["teams"]), tuple(data["reviewers"]["users"])),
        required_approvals=data["required_approvals"],
        config_change_approvals=data["config_change_approvals"],
        paths=tuple(data["paths"]),
        approving_bots=tuple(data["approving_bots"]),
    )
