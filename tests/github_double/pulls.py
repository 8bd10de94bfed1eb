"""Arranging pull requests in the double: open (from a branch or a fork), push to, retarget, merge, and
queue for merging (merge groups)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from tests.github_double.state import Blob, Commit, People, PullRequest, Repo, State


class _Double(Protocol):
    state: State

    def now(self) -> float: ...
    def _repo(self, repo: Repo | str) -> Repo: ...
    def _change(
        self,
        repo: Repo | str,
        ref: str,
        changes: Mapping[str, str | bytes | None],
        message: str,
        people: People,
    ) -> str: ...


class PullsMixin:
    """Methods ``GitHubDouble`` gains for pull requests."""

    def open_pull(
        self: _Double,
        repo: Repo | str,
        head: str,
        *,
        base: str | None = None,
        user: str = "contributor",
        head_repo: Repo | str | None = None,
        title: str = "Change",
        draft: bool = False,
    ) -> PullRequest:
        """Open a pull request from branch ``head`` (of ``head_repo``, a fork, when given) into ``base``."""
        with self.state.lock:
            target = self._repo(repo)
            source = self._repo(head_repo) if head_repo is not None else target
            head_commit = source.resolve(head)
            base_ref = base or target.default_branch
            base_commit = target.resolve(base_ref)
            if head_commit is None or base_commit is None:
                raise KeyError(f"no branch {head} in {source.full_name} or {base_ref} in {target.full_name}")
            _copy_history(source, target, head_commit.sha)
            pull = PullRequest(
                number=self.state.next_number(target),
                repo_id=target.id,
                head_repo_id=source.id,
                head_ref=head,
                head_sha=head_commit.sha,
                base_ref=base_ref,
                base_sha=base_commit.sha,
                user=self.state.account(user, "User"),
                title=title,
                created_at=self.now(),
                draft=draft,
            )
            self.state.pulls[(target.id, pull.number)] = pull
            target.refs[f"refs/pull/{pull.number}/head"] = head_commit.sha
            return pull

    def pull(self: _Double, repo: Repo | str, number: int) -> PullRequest:
        with self.state.lock:
            return self.state.pulls[(self._repo(repo).id, number)]

    def push_to_pull(
        self: _Double,
        repo: Repo | str,
        number: int,
        path: str,
        content: str | bytes | None,
        *,
        author: str | None = None,
        committer: str | None = None,
        author_email: str | None = None,
        committer_email: str | None = None,
        message: str | None = None,
    ) -> str:
        """Commit a change (``None`` deletes) on the pull request's head branch; return the new head SHA.

        The author defaults to the pull request's user (an ``author_email`` alone: an address linked
        to no account), the committer to the author.
        """
        with self.state.lock:
            target = self._repo(repo)
            pull = self.state.pulls[(target.id, number)]
            source = self.state.repo_by_id(pull.head_repo_id)
            assert source is not None
            if author is None and author_email is None:
                author = pull.user.login
            people = People(author, committer, author_email, committer_email)
            default = f"Delete {path}" if content is None else f"Update {path}"
            sha = self._change(source, pull.head_ref, {path: content}, message or default, people)
            _copy_history(source, target, sha)
            pull.head_sha = sha
            target.refs[f"refs/pull/{number}/head"] = sha
            return sha

    def retarget_pull(self: _Double, repo: Repo | str, number: int, base: str) -> None:
        with self.state.lock:
            target = self._repo(repo)
            pull = self.state.pulls[(target.id, number)]
            commit = target.resolve(base)
            if commit is None:
                raise KeyError(f"{target.full_name} has no branch {base}")
            pull.base_ref, pull.base_sha = base, commit.sha

    def merge_pull(self: _Double, repo: Repo | str, number: int, *, by: str = "maintainer") -> str:
        """Merge: the base branch moves to a commit with the head's tree; return the merge commit SHA."""
        with self.state.lock:
            target = self._repo(repo)
            pull = self.state.pulls[(target.id, number)]
            branch = f"refs/heads/{pull.base_ref}"
            parent = target.commits[target.refs[branch]]
            head = target.commits[pull.head_sha]
            people = People(by, "web-flow", committer_email="noreply@github.com")
            message = f"Merge pull request #{number}"
            merged = self.state.commit(
                target, parent, dict(head.tree), message, people=people, date=self.now()
            )
            target.refs[branch] = merged.sha
            pull.state, pull.merged, pull.merge_commit_sha = "closed", True, merged.sha
            pull.merged_by = self.state.account(by, "User")
            return merged.sha

    def open_merge_group(
        self: _Double, repo: Repo | str, number_list: list[int], base: str = "main"
    ) -> tuple[str, str]:
        """Queue the pull requests in order: each gets a merge group commit (its changes on top of the
        previous group, parents the previous group and its head) on
        ``refs/heads/gh-readonly-queue/{base}/pr-{N}-{sha of the commit the group was built on}``, as
        GitHub's merge queue names them. Return the last group's (head_sha, head_ref)."""
        if not number_list:
            raise ValueError("a merge group holds at least one pull request")
        with self.state.lock:
            target = self._repo(repo)
            parent = target.commits[target.refs[f"refs/heads/{base}"]]
            head_ref = ""
            for number in number_list:
                pull = self.state.pulls[(target.id, number)]
                tree = _applied(dict(parent.tree), changed_files(target, pull))
                people = People(pull.user.login, "web-flow", committer_email="noreply@github.com")
                message = f"Merge pull request #{number} from {pull.head_ref}"
                commit = self.state.commit(
                    target, parent, tree, message, people=people, merged=(pull.head_sha,), date=self.now()
                )
                head_ref = f"refs/heads/gh-readonly-queue/{base}/pr-{number}-{parent.sha}"
                target.refs[head_ref] = commit.sha
                parent = commit
            return parent.sha, head_ref


def _applied(tree: dict[str, Blob], files: list[dict[str, Any]]) -> dict[str, Blob]:
    """``tree`` with a pull request's file changes made to it."""
    for entry in files:
        tree.pop(entry.get("previous_filename", ""), None)
        if entry["status"] == "removed":
            tree.pop(entry["filename"], None)
        else:
            tree[entry["filename"]] = entry["blob"]
    return tree


def _copy_history(source: Repo, target: Repo, sha: str) -> None:
    """GitHub keeps a fork pull request's commits reachable from the base repository."""
    if source is target:
        return
    for commit in _ancestry(source, sha):
        target.commits.setdefault(commit.sha, commit)


def _ancestry(repo: Repo, sha: str) -> Iterator[Commit]:
    pending, seen = [sha], set()
    while pending:
        current = pending.pop()
        if current in seen or current not in repo.commits:
            continue
        seen.add(current)
        commit = repo.commits[current]
        yield commit
        pending.extend(commit.parents)


def merge_base(repo: Repo, base_sha: str, head_sha: str) -> Commit | None:
    """The newest commit both histories share (the point the pull request's diff starts from)."""
    base_side = {commit.sha for commit in _ancestry(repo, base_sha)}
    return next((commit for commit in _ancestry(repo, head_sha) if commit.sha in base_side), None)


def changed_files(repo: Repo, pull: PullRequest) -> list[dict[str, Any]]:
    """The pull request's files as GitHub lists them: status, and the old name of a renamed file."""
    start = merge_base(repo, pull.base_sha, pull.head_sha)
    return tree_diff(dict(start.tree) if start else {}, repo.commits[pull.head_sha].tree)


def tree_diff(before: dict[str, Blob], after: dict[str, Blob]) -> list[dict[str, Any]]:
    """Diff entries from ``before`` to ``after``: added, modified, renamed (same blob), removed."""
    removed = {path: blob for path, blob in before.items() if path not in after}
    files = []
    for path, blob in sorted(after.items()):
        old = before.get(path)
        if old is not None and old.sha == blob.sha:
            continue
        renamed_from = (
            next((p for p, b in removed.items() if b.sha == blob.sha), None) if old is None else None
        )
        if renamed_from:
            del removed[renamed_from]
            files.append(
                {"filename": path, "status": "renamed", "previous_filename": renamed_from, "blob": blob}
            )
        else:
            files.append({"filename": path, "status": "added" if old is None else "modified", "blob": blob})
    files += [{"filename": path, "status": "removed", "blob": blob} for path, blob in sorted(removed.items())]
    return files


def commits_between(repo: Repo, base_sha: str, head_sha: str) -> list[Commit]:
    """Commits reachable from ``head_sha`` but not ``base_sha``, parents before children (oldest first)."""
    excluded = {commit.sha for commit in _ancestry(repo, base_sha)}
    ordered: list[Commit] = []
    seen: set[str] = set()
    pending: list[tuple[str, bool]] = [(head_sha, False)]
    while pending:
        sha, expanded = pending.pop()
        if expanded:
            ordered.append(repo.commits[sha])
            continue
        if sha in seen or sha in excluded or sha not in repo.commits:
            continue
        seen.add(sha)
        pending.append((sha, True))
        pending.extend((parent, False) for parent in reversed(repo.commits[sha].parents))
    return ordered
