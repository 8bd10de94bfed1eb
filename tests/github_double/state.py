"""The double's in-memory GitHub: the App, accounts, installations, repositories, git data, check runs,
branch protection and rulesets (``protection_state``), reviews, teams and labels (``review_state``), and
which commits carry a verified signature.

Git objects are simplified: a commit holds its whole tree as ``path -> Blob``. Blob SHAs are real git
blob SHAs (``git hash-object`` gives the same); commit SHAs are unique but not git-identical.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.github_double.actions_state import ActionsState
from tests.github_double.protection_state import ClassicProtection, Ruleset
from tests.github_double.review_state import Label, Review, Team

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


def node_id(kind: str, number: int) -> str:
    """A GraphQL node id in GitHub's legacy format (``MDEwOlJlcG9zaXRvcnkx`` and friends)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def blob_sha(data: bytes) -> str:
    """The git blob SHA-1 of ``data``."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass
class Account:
    """A user or organisation that owns repositories and installations."""

    login: str
    id: int
    type: str = "Organization"


@dataclass
class AppRecord:
    """The GitHub App the tests authenticate as."""

    id: int
    slug: str
    name: str
    client_id: str
    owner: Account
    public_key_pem: str
    permissions: dict[str, str]
    events: list[str]
    manifest: dict[str, Any] | None = None
    client_secret: str = "double-client-secret"
    callback_urls: list[str] = field(default_factory=list)


@dataclass
class Installation:
    """The App installed on one account, on all or selected repositories."""

    id: int
    account: Account
    permissions: dict[str, str]
    events: list[str]
    repository_selection: str = "all"
    repository_ids: set[int] = field(default_factory=set)
    suspended: bool = False


@dataclass(frozen=True)
class Blob:
    sha: str
    data: bytes


@dataclass(frozen=True)
class Commit:
    """A commit; ``author``/``committer`` are the logins their emails are linked to (None: no account)."""

    sha: str
    tree: dict[str, Blob]
    parents: tuple[str, ...]
    message: str
    author: str | None
    author_email: str
    committer: str | None
    committer_email: str
    date: float


@dataclass(frozen=True)
class People:
    """Who wrote and who committed a new commit: logins (None: an email linked to no account) and emails
    (None: the login's noreply address); the committer defaults to the author."""

    author: str | None = "contributor"
    committer: str | None = None
    author_email: str | None = None
    committer_email: str | None = None


@dataclass
class Repo:
    """A repository with branches, tags and commits."""

    id: int
    owner: Account
    name: str
    default_branch: str
    visibility: str = "private"
    archived: bool = False
    fork: bool = False
    refs: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    def resolve(self, ref: str | None) -> Commit | None:
        """The commit a branch, tag, fully qualified ref or SHA names (default branch when None)."""
        if ref is None:
            ref = self.default_branch
        for candidate in (ref, f"refs/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in self.refs:
                return self.commits[self.refs[candidate]]
        if FULL_SHA.match(ref):
            return self.commits.get(ref)
        matches = [c for sha, c in self.commits.items() if len(ref) >= 7 and sha.startswith(ref)]
        return matches[0] if len(matches) == 1 else None


@dataclass
class CheckRun:
    """A check run as the App created and updated it."""

    id: int
    repo_id: int
    app_id: int
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None
    external_id: str | None
    details_url: str | None
    output: dict[str, Any]
    annotations: list[dict[str, Any]]
    actions: list[dict[str, Any]]


@dataclass(frozen=True)
class Token:
    """An installation access token the double issued."""

    value: str
    installation_id: int
    expires_at: float
    permissions: dict[str, str]
    repository_ids: frozenset[int] | None


@dataclass(frozen=True)
class UserToken:
    """A user access token the App's OAuth flow issued (``ghu_``); it acts as ``login``."""

    value: str
    login: str
    expires_at: float


@dataclass
class OAuthCode:
    """A code the authorize page hands back to the App's callback; exchanged once, within ten minutes."""

    code: str
    login: str
    redirect_uri: str
    created_at: float
    code_challenge: str | None = None
    used: bool = False


@dataclass
class ManifestCode:
    """A code GitHub hands back after someone created an App from a manifest; converted once."""

    code: str
    manifest: dict[str, Any]
    owner: Account
    created_at: float
    used: bool = False


@dataclass
class PullRequest:
    """A pull request: ``head_repo_id`` differs from ``repo_id`` for a fork's pull request."""

    number: int
    repo_id: int
    head_repo_id: int
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    user: Account
    title: str
    created_at: float
    state: str = "open"
    draft: bool = False
    merged: bool = False
    merged_by: Account | None = None
    merge_commit_sha: str | None = None
    requested_users: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


class State:
    """All objects the double knows, guarded by one re-entrant lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.app: AppRecord | None = None
        self.accounts: dict[str, Account] = {}
        self.installations: dict[int, Installation] = {}
        self.repos: dict[str, Repo] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.pulls: dict[tuple[int, int], PullRequest] = {}
        self.tokens: dict[str, Token] = {}
        self.manifest_codes: dict[str, ManifestCode] = {}
        self.protections: dict[tuple[int, str], ClassicProtection] = {}
        self.rulesets: dict[int, Ruleset] = {}
        self.signed: set[str] = set()
        self.reviews: dict[int, Review] = {}
        self.teams: dict[tuple[int, str], Team] = {}
        self.labels: dict[tuple[int, str], Label] = {}
        self.user_tokens: dict[str, UserToken] = {}
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.org_roles: dict[str, dict[str, str]] = {}
        self.web_user: str | None = None
        self.deny_authorization = False
        self.actions = ActionsState()
        self._ids = itertools.count(1000)
        self._commits = itertools.count(1)

    def next_number(self, repo: Repo) -> int:
        """Pull request numbers per repository, from 1."""
        return 1 + sum(1 for (repo_id, _) in self.pulls if repo_id == repo.id)

    def next_id(self) -> int:
        return next(self._ids)

    def account(self, login: str, account_type: str = "Organization") -> Account:
        """The account with this login, created on first use; ``name[bot]`` is always a Bot."""
        bot = login.endswith("[bot]")
        if not NAME.match(login.removesuffix("[bot]")):
            raise ValueError(f"not a valid GitHub login: {login!r}")
        key = login.lower()
        if key not in self.accounts:
            kind = "Bot" if bot else account_type
            self.accounts[key] = Account(login=login, id=self.next_id(), type=kind)
        return self.accounts[key]

    def user(self, login: str) -> Account:
        """A person's account, or a bot's when ``login`` ends in ``[bot]``."""
        return self.account(login, "User")

    def noreply_email(self, login: str) -> str:
        """The private commit email GitHub links to ``login``."""
        account = self.user(login)
        return f"{account.id}+{account.login}@users.noreply.github.com"

    def repo(self, full_name: str) -> Repo | None:
        return self.repos.get(full_name.lower())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return next((r for r in self.repos.values() if r.id == repo_id), None)

    def installation_for(self, account: Account) -> Installation | None:
        return next((i for i in self.installations.values() if i.account.id == account.id), None)

    def commit(
        self,
        repo: Repo,
        parent: Commit | None,
        tree: dict[str, Blob],
        message: str,
        *,
        people: People | None = None,
        merged: tuple[str, ...] = (),
        date: float = 0.0,
    ) -> Commit:
        """Store a new commit on ``repo`` (not moving any ref) and return it; ``merged``: further parents."""
        listing = "\n".join(f"{path} {blob.sha}" for path, blob in sorted(tree.items()))
        seed = f"{repo.id}\n{parent.sha if parent else ''}\n{listing}\n{message}\n{next(self._commits)}"
        sha = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
        who = people or People()
        author_email = who.author_email or self._email_of(who.author)
        if who.committer is None and who.committer_email is None:
            committer, committer_email = who.author, author_email
        else:
            committer, committer_email = who.committer, who.committer_email or self._email_of(who.committer)
        commit = Commit(
            sha=sha,
            tree=dict(tree),
            parents=((parent.sha,) if parent else ()) + merged,
            message=message,
            author=who.author,
            author_email=author_email,
            committer=committer,
            committer_email=committer_email,
            date=date,
        )
        repo.commits[sha] = commit
        return commit

    def _email_of(self, login: str | None) -> str:
        """The noreply address of a linked login; an address no account claims for None."""
        return self.noreply_email(login) if login is not None else "unlinked@example.invalid"
