"""Push events: which ref moved, how, and which files the pushed commits touched."""

from __future__ import annotations

from dataclasses import dataclass

from guard.events.common import Event, Repository, envelope, read_actor, read_repository
from guard.events.payload import Node

_BRANCH_PREFIX = "refs/heads/"
_TAG_PREFIX = "refs/tags/"


@dataclass(frozen=True, slots=True, kw_only=True)
class GitIdentity:
    """A commit author, committer or pusher as git records it: self-declared, so not proof of identity."""

    name: str
    email: str | None
    username: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Commit:
    """A pushed commit; ``message`` is attacker-controllable text (Co-authored-by trailers live here).

    GitHub caps each of ``added``, ``modified`` and ``removed`` at 3000 paths.
    """

    id: str
    message: str
    distinct: bool | None
    author: GitIdentity
    committer: GitIdentity
    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PushEvent(Event):
    """``push``: ``head_commit`` is ``None`` when the ref was deleted; at most 2048 commits are listed."""

    repository: Repository
    ref: str
    before: str
    after: str
    created: bool
    deleted: bool
    forced: bool
    base_ref: str | None
    compare: str | None
    pusher: GitIdentity
    commits: tuple[Commit, ...]
    head_commit: Commit | None

    @property
    def branch(self) -> str | None:
        """The branch name when ``ref`` is a branch, else ``None``."""
        return self.ref.removeprefix(_BRANCH_PREFIX) if self.ref.startswith(_BRANCH_PREFIX) else None

    @property
    def tag(self) -> str | None:
        """The tag name when ``ref`` is a tag, else ``None``."""
        return self.ref.removeprefix(_TAG_PREFIX) if self.ref.startswith(_TAG_PREFIX) else None

    @property
    def touched_paths(self) -> tuple[str, ...]:
        """Every path any listed commit added, modified or removed, sorted, without repeats."""
        paths: set[str] = set()
        for commit in self.commits:
            paths.update(commit.added, commit.modified, commit.removed)
        return tuple(sorted(paths))


def read_git_identity(node: Node) -> GitIdentity:
    return GitIdentity(
        name=node.text("name"), email=node.opt_text("email"), username=node.opt_text("username")
    )


def read_commit(node: Node) -> Commit:
    return Commit(
        id=node.text("id"),
        message=node.text("message"),
        distinct=node.opt_flag("distinct"),
        author=node.read("author", read_git_identity),
        committer=node.read("committer", read_git_identity),
        added=node.texts("added"),
        modified=node.texts("modified"),
        removed=node.texts("removed"),
    )


def parse_push(name: str, root: Node) -> PushEvent:
    return PushEvent(
        **envelope(name, root),
        repository=root.read("repository", read_repository),
        sender=root.opt_read("sender", read_actor),
        ref=root.text("ref"),
        before=root.text("before"),
        after=root.text("after"),
        created=root.flag("created"),
        deleted=root.flag("deleted"),
        forced=root.flag("forced"),
        base_ref=root.opt_text("base_ref"),
        compare=root.opt_text("compare"),
        pusher=root.read("pusher", read_git_identity),
        commits=root.each("commits", read_commit),
        head_commit=root.opt_read("head_commit", read_commit),
    )
