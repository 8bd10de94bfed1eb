"""Commit bodies in GitHub's shapes: the git author and committer, and the REST ``commit`` object whose
top-level ``author``/``committer`` are the accounts the emails are linked to (null when none is)."""

from __future__ import annotations

from typing import Any

from tests.github_double.shapes import WEB, account_json, iso
from tests.github_double.state import Commit, Repo, State, node_id

SIGNATURE = "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n"


def verification_json(commit: Commit, signed: bool) -> dict[str, Any]:
    """The signature verification GitHub reports: valid when the tests signed the commit."""
    return {
        "verified": signed,
        "reason": "valid" if signed else "unsigned",
        "signature": SIGNATURE if signed else None,
        "payload": f"tree {commit.sha}\n\n{commit.message}" if signed else None,
        "verified_at": "2026-01-02T03:04:05Z" if signed else None,
    }


def git_person_json(login: str | None, email: str, date: float) -> dict[str, str]:
    """The ``{name, email, date}`` git records; the name is the login, or the email's local part."""
    return {"name": login or email.split("@", 1)[0], "email": email, "date": iso(date)}


def git_people_json(commit: Commit) -> dict[str, dict[str, str]]:
    return {
        "author": git_person_json(commit.author, commit.author_email, commit.date),
        "committer": git_person_json(commit.committer, commit.committer_email, commit.date),
    }


def parents_json(api: str, repo: Repo, commit: Commit, *, git: bool = False) -> list[dict[str, str]]:
    kind = "git/commits" if git else "commits"
    return [
        {
            "sha": parent,
            "url": f"{api}/repos/{repo.full_name}/{kind}/{parent}",
            "html_url": f"{WEB}/{repo.full_name}/commit/{parent}",
        }
        for parent in commit.parents
    ]


def _linked(api: str, state: State, login: str | None) -> dict[str, Any] | None:
    return account_json(api, state.user(login)) if login is not None else None


def commit_json(api: str, state: State, repo: Repo, commit: Commit) -> dict[str, Any]:
    """A ``commit`` object as the pull request commits and compare answers list it."""
    url = f"{api}/repos/{repo.full_name}/commits/{commit.sha}"
    return {
        "url": url,
        "sha": commit.sha,
        "node_id": node_id("Commit", int(commit.sha[:7], 16)),
        "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
        "comments_url": f"{url}/comments",
        "commit": {
            "url": f"{api}/repos/{repo.full_name}/git/commits/{commit.sha}",
            **git_people_json(commit),
            "message": commit.message,
            "tree": {"sha": commit.sha, "url": f"{api}/repos/{repo.full_name}/git/trees/{commit.sha}"},
            "comment_count": 0,
            "verification": verification_json(commit, commit.sha in state.signed),
        },
        "author": _linked(api, state, commit.author),
        "committer": _linked(api, state, commit.committer),
        "parents": parents_json(api, repo, commit),
    }
