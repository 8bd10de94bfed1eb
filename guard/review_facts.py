"""Facts the review gate needs, read from GitHub with as few calls as the pull request's state allows.

A pull request's files, commits and annotations are kept in its record, keyed by the head (and base)
they were read for, and reviewers' standing is kept for an hour (or until a membership or team change
in the organisation), so re-evaluating an unchanged pull request reads only the pull request and its
reviews.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from guard.facts import quote_path, read_file, role
from guard.github import Client, NotFound
from guard.state import StateStore
from policies.pipeline_review.facts import (
    MAX_LISTED_COMMITS,
    CommitFact,
    FileChange,
    Identity,
    ReviewFact,
    Since,
    Standing,
    co_authors,
    latest_reviews,
)
from policies.pipeline_review.settings import PipelineReviewSettings

STANDING = "pipeline_review_standing"
GENERATION = "pipeline_review_generation"
STANDING_SECONDS = 3600
MAX_LISTED_FILES = 3000
MAX_COMPARED_FILES = 300
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", re.M)


@dataclass(frozen=True)
class Pull:
    """The live pull request, as GitHub answers ``GET /pulls/{number}``."""

    repository: str
    number: int
    state: str
    merged: bool
    author: str
    head_sha: str
    base_ref: str
    base_sha: str
    changed_files: int
    merged_by: str | None

    @classmethod
    def read(cls, github: Client, repository: str, number: int) -> Pull:
        data = github.get(f"/repos/{repository}/pulls/{number}").data
        return cls(
            repository=repository,
            number=number,
            state=str(data["state"]),
            merged=bool(data.get("merged")),
            author=str(data["user"]["login"]),
            head_sha=str(data["head"]["sha"]),
            base_ref=str(data["base"]["ref"]),
            base_sha=str(data["base"]["sha"]),
            changed_files=int(data.get("changed_files") or 0),
            merged_by=(data.get("merged_by") or {}).get("login"),
        )


def files(github: Client, pull: Pull) -> tuple[tuple[FileChange, ...], bool]:
    """The pull request's files with the lines each adds, and whether GitHub cut the list at 3,000."""
    listed = tuple(
        FileChange(item["filename"], item.get("previous_filename"), added_lines(item.get("patch")))
        for item in github.paginate(f"/repos/{pull.repository}/pulls/{pull.number}/files")
    )
    return listed, len(listed) >= MAX_LISTED_FILES or pull.changed_files > len(listed)


def added_lines(patch: str | None) -> frozenset[int] | None:
    """Line numbers (in the new file) that a unified diff adds; None without a patch."""
    if patch is None:
        return None
    found: set[int] = set()
    line = 0
    for text in patch.splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            line = int(hunk.group(1))
        elif text.startswith("\\"):
            continue
        elif text.startswith("+"):
            found.add(line)
            line += 1
        elif not text.startswith("-"):
            line += 1
    return frozenset(found)


def commits(github: Client, pull: Pull) -> tuple[CommitFact, ...]:
    """Up to 250 commits (GitHub's limit) with their authors, committers and co-authors."""
    path = f"/repos/{pull.repository}/pulls/{pull.number}/commits"
    return tuple(_commit(item) for item in github.paginate(path))[:MAX_LISTED_COMMITS]


def _commit(item: Mapping[str, Any]) -> CommitFact:
    detail = item.get("commit") or {}
    return CommitFact(
        sha=str(item["sha"]),
        author=_identity(detail.get("author"), item.get("author")),
        committer=_identity(detail.get("committer"), item.get("committer")),
        co_authors=co_authors(str(detail.get("message") or "")),
    )


def _identity(git: Mapping[str, Any] | None, user: Mapping[str, Any] | None) -> Identity:
    git = git or {}
    login = user.get("login") if isinstance(user, Mapping) else None
    return Identity(str(git.get("name") or ""), str(git.get("email") or ""), login)


def reviews(github: Client, pull: Pull) -> tuple[ReviewFact, ...]:
    """Every review, oldest first; reviews by deleted accounts are left out."""
    found = []
    for item in github.paginate(f"/repos/{pull.repository}/pulls/{pull.number}/reviews"):
        user = item.get("user")
        if isinstance(user, Mapping) and item.get("commit_id"):
            bot = user.get("type") == "Bot" or str(user["login"]).endswith("[bot]")
            found.append(
                ReviewFact(str(user["login"]), bot, str(item["state"]).lower(), str(item["commit_id"]))
            )
    return tuple(found)


def approvers(found: Iterable[ReviewFact]) -> list[str]:
    """The people whose latest review approves (the only ones whose standing matters)."""
    latest = latest_reviews(tuple(found))
    return [r.login for r in latest.values() if r.state == "approved" and not r.is_bot]


def since(github: Client, repository: str, approved: str, head: str) -> Since:
    """What changed from an approved commit to the head; ``paths`` None unless the head builds on it."""
    try:
        data = github.get(f"/repos/{repository}/compare/{approved}...{head}").data
    except NotFound:
        return Since(None)
    if data.get("status") not in ("ahead", "identical"):
        return Since(None)
    listed = data.get("files") or []
    paths = [p for f in listed for p in (f.get("filename"), f.get("previous_filename")) if p]
    return Since(tuple(paths), truncated=len(listed) >= MAX_COMPARED_FILES)


def contents(github: Client, repository: str, paths: Iterable[str], ref: str) -> dict[str, bytes]:
    """The files at ``ref`` that exist there (a deleted workflow has nothing to analyse)."""
    found = {path: read_file(github, repository, path, ref=ref) for path in paths}
    return {path: file.content for path, file in found.items() if file.content is not None}


class Standings:
    """Whether each approver is a designated reviewer with write access, cached for an hour."""

    def __init__(self, github: Client, state: StateStore, clock_now: float) -> None:
        self.github = github
        self.state = state
        self.now = clock_now

    def of(
        self, repository: str, logins: Iterable[str], settings: PipelineReviewSettings
    ) -> dict[str, Standing]:
        return {login.lower(): self._one(repository, login, settings) for login in logins}

    def _one(self, repository: str, login: str, settings: PipelineReviewSettings) -> Standing:
        owner = repository.split("/", 1)[0]
        generation = self.state.get(GENERATION, owner.lower()) or 0
        reviewers = settings.reviewers
        key = f"{repository.lower()}|{login.lower()}|{','.join(reviewers.teams)}|{','.join(reviewers.users)}"
        cached = self.state.get(STANDING, key)
        if cached and cached["generation"] == generation and self.now - cached["at"] < STANDING_SECONDS:
            return Standing(cached["designated"], cached["role"])
        standing = Standing(self._designated(owner, login, settings), role(self.github, repository, login))
        entry = {"designated": standing.designated, "role": standing.role}
        self.state.put(STANDING, key, {**entry, "generation": generation, "at": self.now})
        return standing

    def _designated(self, owner: str, login: str, settings: PipelineReviewSettings) -> bool:
        reviewers = settings.reviewers
        if not reviewers.teams and not reviewers.users:
            return True
        if login.lower() in {user.lower() for user in reviewers.users}:
            return True
        return any(self._member(owner, team, login) for team in reviewers.teams)

    def _member(self, owner: str, team: str, login: str) -> bool:
        user = urllib.parse.quote(login, safe="")
        try:
            data = self.github.get(f"/orgs/{owner}/teams/{quote_path(team)}/memberships/{user}").data
        except NotFound:
            return False
        return isinstance(data, Mapping) and data.get("state") == "active"


def forget_standings(state: StateStore, owner: str) -> None:
    """A membership or team changed in ``owner``: every cached standing there is stale."""
    key = owner.lower()
    state.put(GENERATION, key, (state.get(GENERATION, key) or 0) + 1)
