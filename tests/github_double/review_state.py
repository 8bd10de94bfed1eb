"""The double's review data: pull request reviews, an organisation's teams, a repository's labels."""

from __future__ import annotations

from dataclasses import dataclass, field

REVIEW_STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED")


@dataclass
class Review:
    """A submitted review; ``state`` becomes ``DISMISSED`` when a maintainer dismisses it."""

    id: int
    repo_id: int
    number: int
    user: str
    state: str
    commit_id: str
    body: str
    submitted_at: float


@dataclass
class Team:
    """A team of an organisation; ``members`` maps each login to ``member`` or ``maintainer``."""

    id: int
    org_id: int
    slug: str
    name: str
    members: dict[str, str] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)  # lower-cased logins invited and not yet accepted

    def role_of(self, login: str) -> str | None:
        return next((role for name, role in self.members.items() if name.lower() == login.lower()), None)


@dataclass(frozen=True)
class Label:
    """A label of a repository, created the first time it is added to an issue or pull request."""

    id: int
    repo_id: int
    name: str
    color: str = "ededed"
