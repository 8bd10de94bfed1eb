"""Pull request and pull request review events, as the pipeline review gate reads them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from guard.events.common import (
    Actor,
    Event,
    Repository,
    envelope,
    previous_text,
    previous_values,
    read_actor,
    read_repository,
)
from guard.events.payload import Json, Node


@dataclass(frozen=True, slots=True, kw_only=True)
class PullBranch:
    """One side of a pull request; ``repo`` is ``None`` when the head fork was deleted."""

    ref: str
    sha: str
    label: str | None
    repo: Repository | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequest:
    """A pull request; ``None`` means this payload does not say (review payloads omit several).

    ``title`` is written by the pull request's author: never interpolate it into a shell or markup.
    """

    id: int
    number: int
    state: str
    title: str
    draft: bool | None
    merged: bool | None
    merged_by: Actor | None
    merge_commit_sha: str | None
    user: Actor
    author_association: str | None
    head: PullBranch
    base: PullBranch
    changed_files: int | None
    html_url: str | None

    @property
    def from_fork(self) -> bool:
        """True unless the head is known to live in the base repository (fails closed)."""
        head, base = self.head.repo, self.base.repo
        return head is None or base is None or head.id != base.id


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequestEvent(Event):
    """``pull_request``; on ``edited``, ``previous_base_ref`` is set when the base branch changed.

    ``changes`` maps each edited field's dotted path to its previous value; ``before`` and
    ``after`` are set on ``synchronize``.
    """

    repository: Repository
    number: int
    pull_request: PullRequest
    changes: Mapping[str, Json]
    previous_base_ref: str | None
    previous_base_sha: str | None
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """A pull request review; ``state`` is lower case: ``approved``, ``changes_requested``,
    ``commented`` or ``dismissed``."""

    id: int
    state: str
    user: Actor | None
    commit_id: str
    submitted_at: datetime | None
    author_association: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequestReviewEvent(Event):
    """``pull_request_review``: ``submitted``, ``edited`` or ``dismissed``."""

    repository: Repository
    sender: Actor
    review: Review
    pull_request: PullRequest


def read_pull_branch(node: Node) -> PullBranch:
    return PullBranch(
        ref=node.text("ref"),
        sha=node.text("sha"),
        label=node.opt_text("label"),
        repo=node.opt_read("repo", read_repository),
    )


def read_pull_request(node: Node) -> PullRequest:
    return PullRequest(
        id=node.integer("id"),
        number=node.integer("number"),
        state=node.text("state"),
        title=node.text("title"),
        draft=node.opt_flag("draft"),
        merged=node.opt_flag("merged"),
        merged_by=node.opt_read("merged_by", read_actor),
        merge_commit_sha=node.opt_text("merge_commit_sha"),
        user=node.read("user", read_actor),
        author_association=node.opt_text("author_association"),
        head=node.read("head", read_pull_branch),
        base=node.read("base", read_pull_branch),
        changed_files=node.opt_integer("changed_files"),
        html_url=node.opt_text("html_url"),
    )


def parse_pull_request(name: str, root: Node) -> PullRequestEvent:
    changes = previous_values(root.opt_child("changes"))
    return PullRequestEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.opt_read("sender", read_actor),
        number=root.integer("number"),
        pull_request=root.read("pull_request", read_pull_request),
        changes=changes,
        previous_base_ref=previous_text(changes, "base.ref"),
        previous_base_sha=previous_text(changes, "base.sha"),
        before=root.opt_text("before"),
        after=root.opt_text("after"),
    )


def read_review(node: Node) -> Review:
    return Review(
        id=node.integer("id"),
        state=node.text("state").lower(),
        user=node.opt_read("user", read_actor),
        commit_id=node.text("commit_id"),
        submitted_at=node.time("submitted_at"),
        author_association=node.opt_text("author_association"),
    )


def parse_pull_request_review(name: str, root: Node) -> PullRequestReviewEvent:
    return PullRequestReviewEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.read("sender", read_actor),
        review=root.read("review", read_review),
        pull_request=root.read("pull_request", read_pull_request),
    )
