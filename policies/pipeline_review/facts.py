"""What the review gate knows about a pull request, as plain data the engine gathers from GitHub."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from policies.markdown import code

_TRAILER = re.compile(r"^co-authored-by:\s*(?P<name>[^<\n]*?)\s*<(?P<email>[^>\n]+)>\s*$", re.I | re.M)
_NOREPLY = re.compile(
    r"^(?:\d+\+)?(?P<login>[A-Za-z0-9][A-Za-z0-9-]{0,38})@users\.noreply\.github\.com$", re.I
)
MAX_LISTED_COMMITS = 250  # GitHub lists at most 250 commits of a pull request


@dataclass(frozen=True)
class Identity:
    """A person named by a commit; ``login`` is None when the email is linked to no GitHub account."""

    name: str
    email: str
    login: str | None

    def shown(self) -> str:
        """How a check run names this person: the login, or the name and email as code (never markup)."""
        return f"@{self.login}" if self.login else code(f"{self.name} <{self.email}>")


@dataclass(frozen=True)
class CommitFact:
    """One commit of the pull request and everyone it names."""

    sha: str
    author: Identity
    committer: Identity
    co_authors: tuple[Identity, ...] = ()


@dataclass(frozen=True)
class FileChange:
    """A changed file; ``added_lines`` None when GitHub gave no patch (binary, too large)."""

    path: str
    previous_path: str | None = None
    added_lines: frozenset[int] | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, self.previous_path) if self.previous_path else (self.path,)


@dataclass(frozen=True)
class ReviewFact:
    """A review as GitHub lists it (oldest first); ``state`` lower case."""

    login: str
    is_bot: bool
    state: str
    commit_id: str


@dataclass(frozen=True)
class Standing:
    """Whether a reviewer is one of the designated reviewers, and their role on the repository."""

    designated: bool
    role: str


@dataclass(frozen=True)
class Since:
    """What changed from an approved commit to the head: ``paths`` None when the head does not build
    on it (force push, rebase) or GitHub could not say."""

    paths: tuple[str, ...] | None
    truncated: bool = False


@dataclass(frozen=True)
class PullFacts:
    """A pull request at the head being evaluated, with everything the verdict depends on."""

    repository: str
    number: int
    author: str
    base_ref: str
    head_sha: str
    files: tuple[FileChange, ...]
    files_truncated: bool
    commits: tuple[CommitFact, ...]
    pushers: tuple[str, ...]
    head_pusher_known: bool
    reviews: tuple[ReviewFact, ...]
    standings: Mapping[str, Standing] = field(default_factory=dict)
    since: Mapping[str, Since] = field(default_factory=dict)

    @property
    def commits_truncated(self) -> bool:
        return len(self.commits) >= MAX_LISTED_COMMITS


def noreply_login(email: str) -> str | None:
    """The login in a GitHub no-reply address (``ID+login@users.noreply.github.com``), if it is one."""
    found = _NOREPLY.match(email.strip())
    return found.group("login") if found else None


def co_authors(message: str) -> tuple[Identity, ...]:
    """The ``Co-authored-by`` trailers of a commit message; linked only through no-reply addresses."""
    return tuple(
        Identity(m.group("name"), m.group("email"), noreply_login(m.group("email")))
        for m in _TRAILER.finditer(message)
    )


def latest_reviews(reviews: tuple[ReviewFact, ...]) -> dict[str, ReviewFact]:
    """Each user's latest review that approves, requests changes or was dismissed (comments don't count)."""
    latest: dict[str, ReviewFact] = {}
    for review in reviews:
        if review.state in ("approved", "changes_requested", "dismissed"):
            latest[review.login.lower()] = review
    return latest
