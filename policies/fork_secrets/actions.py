"""The fork-safety actions as plain data: review a deployment, cancel or re-run a run, comment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from policies.base import Action
from policies.fork_secrets.origin import Origin

MAX_REVIEW_COMMENT = 1024  # GitHub keeps at most this many characters of a protection rule's comment


@dataclass(frozen=True)
class ReviewDeployment(Action):
    """Approve or reject a job waiting for an environment, as its custom deployment protection rule."""

    kind: ClassVar[str] = "review_deployment"

    repository: str
    run_id: int
    environment: str
    approve: bool
    comment: str

    def __post_init__(self) -> None:
        if len(self.comment) > MAX_REVIEW_COMMENT:
            object.__setattr__(self, "comment", self.comment[: MAX_REVIEW_COMMENT - 1] + "…")

    def describe(self) -> str:
        verdict = "approve" if self.approve else "reject"
        return f"{verdict} deployment of run {self.run_id} to {self.environment} in {self.repository}"


@dataclass(frozen=True)
class CancelRun(Action):
    """Cancel a run; unless ``force``, check again after ``force_after`` seconds and force-cancel then."""

    kind: ClassVar[str] = "cancel_run"
    corrective: ClassVar[bool] = True

    repository: str
    run_id: int
    run_attempt: int
    installation_id: int
    force_after: int
    force: bool = False

    def describe(self) -> str:
        how = "force-cancel" if self.force else "cancel"
        return f"{how} run {self.run_id} (attempt {self.run_attempt}) in {self.repository}"


@dataclass(frozen=True)
class ForceCancelRun(Action):
    """Force-cancel a run that a plain cancel did not stop (``always()`` steps ignore it)."""

    kind: ClassVar[str] = "force_cancel_run"
    corrective: ClassVar[bool] = True

    repository: str
    run_id: int

    def describe(self) -> str:
        return f"force-cancel run {self.run_id} in {self.repository}"


@dataclass(frozen=True)
class RerunRun(Action):
    """Re-run a run a maintainer allowed; the new attempt asks the deployment protection rule again."""

    kind: ClassVar[str] = "rerun_run"

    repository: str
    run_id: int

    def describe(self) -> str:
        return f"re-run run {self.run_id} in {self.repository}"


@dataclass(frozen=True)
class PostComment(Action):
    """Comment on a pull request (its issue), e.g. to say why a ``/guard allow`` was refused."""

    kind: ClassVar[str] = "post_comment"

    repository: str
    number: int
    body: str

    def describe(self) -> str:
        return f"comment on {self.repository}#{self.number}"


@dataclass(frozen=True)
class RememberRun(Action):
    """Remember a classified run for the ``workflow_run`` runs it may start (written by the engine)."""

    kind: ClassVar[str] = "remember_run"
    writes_github: ClassVar[bool] = False

    repository: str
    run_id: int
    name: str
    origin: Origin
    at: float

    def describe(self) -> str:
        trust = "untrusted" if self.origin.untrusted else "trusted"
        return f"remember run {self.run_id} of {self.name!r} in {self.repository} as {trust}"
