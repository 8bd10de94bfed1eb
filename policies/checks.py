"""Check runs as plain data: what a policy wants shown on a commit, within GitHub's documented limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from policies.base import Action

MAX_OUTPUT_CHARS = 65_535
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_BUTTONS = 3
CONCLUSIONS = frozenset(
    {"success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"}
)
LEVELS = frozenset({"notice", "warning", "failure"})


@dataclass(frozen=True)
class CheckAnnotation:
    """A comment on lines of a file in the check run; columns only when it spans one line."""

    path: str
    start_line: int
    end_line: int
    level: str
    message: str
    title: str | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"annotation level must be one of {sorted(LEVELS)}, got {self.level!r}")


@dataclass(frozen=True)
class CheckButton:
    """A button under a completed check run; a click sends ``check_run.requested_action``."""

    label: str
    description: str
    identifier: str

    def __post_init__(self) -> None:
        if len(self.label) > 20 or len(self.description) > 40 or len(self.identifier) > 20:
            raise ValueError("check run buttons allow 20/40/20 characters for label/description/identifier")


@dataclass(frozen=True)
class PublishCheckRun(Action):
    """Show a result on a commit; ``conclusion`` None means still in progress.

    Publishing the same content again for the same commit and name is a no-op, so re-evaluations
    that change nothing cost no API call.
    """

    kind: ClassVar[str] = "publish_check_run"

    repository: str
    head_sha: str
    name: str
    conclusion: str | None
    title: str
    summary: str
    text: str | None = None
    annotations: tuple[CheckAnnotation, ...] = ()
    buttons: tuple[CheckButton, ...] = ()
    external_id: str | None = None

    def __post_init__(self) -> None:
        if self.conclusion is not None and self.conclusion not in CONCLUSIONS:
            raise ValueError(
                f"check run conclusion must be one of {sorted(CONCLUSIONS)}, got {self.conclusion!r}"
            )
        if len(self.buttons) > MAX_BUTTONS:
            raise ValueError(f"a check run shows at most {MAX_BUTTONS} buttons")

    def describe(self) -> str:
        result = self.conclusion or "in progress"
        return f"publish check run {self.name!r} ({result}) on {self.repository}@{self.head_sha[:12]}"
