"""Helpful side effects of the review gate, as plain data: they never change the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from policies.base import Action

LABEL = "pipeline-change"


@dataclass(frozen=True)
class RequestReviews(Action):
    """Ask the designated reviewers (teams, or users when no team is named) to review a pull request."""

    kind: ClassVar[str] = "request_reviews"

    repository: str
    number: int
    teams: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    def describe(self) -> str:
        asked = [f"team {t}" for t in self.teams] + [f"@{u}" for u in self.users]
        return f"request reviews on {self.repository}#{self.number} from {', '.join(asked)}"


@dataclass(frozen=True)
class AddLabels(Action):
    """Add labels to a pull request (GitHub keeps labels already there)."""

    kind: ClassVar[str] = "add_labels"

    repository: str
    number: int
    labels: tuple[str, ...]

    def describe(self) -> str:
        return f"label {self.repository}#{self.number} {', '.join(self.labels)}"
