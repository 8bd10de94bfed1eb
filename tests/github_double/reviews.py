"""Arranging reviews in the double: submit and dismiss reviews, teams and their members, and reading back
what the code under test asked for (requested reviewers, labels)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from tests.github_double.review_state import REVIEW_STATES, Review, Team
from tests.github_double.state import PullRequest, Repo, State


class _Double(Protocol):
    state: State

    def now(self) -> float: ...
    def _repo(self, repo: Repo | str) -> Repo: ...
    def pull(self, repo: Repo | str, number: int) -> PullRequest: ...


class ReviewsMixin:
    """Methods ``GitHubDouble`` gains for reviews, teams and labels."""

    def review_pull(
        self: _Double,
        repo: Repo | str,
        number: int,
        user: str,
        state: str = "APPROVED",
        *,
        commit_id: str | None = None,
        body: str = "",
    ) -> int:
        """``user`` submits a review (on the current head unless ``commit_id``); return its id."""
        if state not in REVIEW_STATES:
            raise ValueError(f"a submitted review is one of {', '.join(REVIEW_STATES)}, not {state!r}")
        with self.state.lock:
            target = self._repo(repo)
            pull = self.pull(target, number)
            account = self.state.user(user)
            review = Review(
                id=self.state.next_id(),
                repo_id=target.id,
                number=number,
                user=account.login,
                state=state,
                commit_id=commit_id or pull.head_sha,
                body=body,
                submitted_at=self.now(),
            )
            self.state.reviews[review.id] = review
            pull.requested_users = [u for u in pull.requested_users if u.lower() != account.login.lower()]
            return review.id

    def dismiss_review(self: _Double, repo: Repo | str, number: int, review_id: int) -> None:
        """A maintainer dismisses the review: its state becomes ``DISMISSED``."""
        with self.state.lock:
            review = self.state.reviews[review_id]
            if (review.repo_id, review.number) != (self._repo(repo).id, number):
                raise KeyError(f"review {review_id} is not on pull request #{number}")
            review.state = "DISMISSED"

    def reviews(self: _Double, repo: Repo | str, number: int) -> list[Review]:
        """The pull request's reviews, oldest first."""
        with self.state.lock:
            target = self._repo(repo)
            found = self.state.reviews.values()
            return [r for r in found if (r.repo_id, r.number) == (target.id, number)]

    def requested_reviewers(self: _Double, repo: Repo | str, number: int) -> dict[str, list[str]]:
        """Whom reviews are requested from: ``{"users": [...], "teams": [...]}`` (team slugs)."""
        with self.state.lock:
            pull = self.pull(repo, number)
            return {"users": list(pull.requested_users), "teams": list(pull.requested_teams)}

    def pull_labels(self: _Double, repo: Repo | str, number: int) -> list[str]:
        with self.state.lock:
            return list(self.pull(repo, number).labels)

    def add_team(
        self: _Double, org: str, slug: str, members: Iterable[str] = (), maintainers: Iterable[str] = ()
    ) -> Team:
        """Create team ``slug`` in organisation ``org`` with its members and maintainers."""
        with self.state.lock:
            owner = self.state.account(org)
            key = (owner.id, slug.lower())
            if key in self.state.teams:
                raise ValueError(f"{org} already has a team {slug}")
            team = Team(
                id=self.state.next_id(), org_id=owner.id, slug=slug, name=slug.replace("-", " ").title()
            )
            self.state.teams[key] = team
            _set_members(self.state, team, members, maintainers)
            return team

    def set_team_members(
        self: _Double, org: str, slug: str, members: Iterable[str], maintainers: Iterable[str] = ()
    ) -> None:
        """Replace the team's members (as a membership change on GitHub would)."""
        with self.state.lock:
            team = self.state.teams[(self.state.account(org).id, slug.lower())]
            _set_members(self.state, team, members, maintainers)


def _set_members(state: State, team: Team, members: Iterable[str], maintainers: Iterable[str]) -> None:
    people = {state.user(login).login: "member" for login in members}
    people |= {state.user(login).login: "maintainer" for login in maintainers}
    team.members = people
