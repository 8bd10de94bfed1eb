"""Facts read from GitHub that several policies share: file contents and a pull request's files."""

from __future__ import annotations

import base64
import urllib.parse
from dataclasses import dataclass

from guard.github import Client, NotFound

GITHUB_FILE_LIST_LIMIT = 3000
CONTENTS_API_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class FileAt:
    """A file at a ref: ``content`` None when absent; ``too_large`` when GitHub will not inline it."""

    path: str
    content: bytes | None
    sha: str | None
    too_large: bool = False


@dataclass(frozen=True)
class ChangedFile:
    """One file of a pull request; ``previous_path`` is the old name of a renamed file."""

    path: str
    status: str
    previous_path: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """The new path, and the old one for a rename (both count when matching patterns)."""
        return (self.path, self.previous_path) if self.previous_path else (self.path,)


@dataclass(frozen=True)
class PullFiles:
    """A pull request's files; ``truncated`` when GitHub listed only its first 3,000."""

    files: tuple[ChangedFile, ...]
    truncated: bool

    def touches(self, path: str) -> ChangedFile | None:
        return next((f for f in self.files if path in f.paths), None)


def quote_path(path: str) -> str:
    """A repository path as a URL path, each segment escaped."""
    return "/".join(urllib.parse.quote(part, safe="") for part in path.split("/"))


def read_file(github: Client, repository: str, path: str, ref: str | None = None) -> FileAt:
    """The file at ``ref`` (the default branch when None), or an absent file."""
    try:
        answer = github.get(f"/repos/{repository}/contents/{quote_path(path)}", {"ref": ref} if ref else None)
    except NotFound:
        return FileAt(path, None, None)
    data = answer.data
    if not isinstance(data, dict) or data.get("type") != "file":
        return FileAt(path, None, None)
    if data.get("encoding") != "base64" or (not data.get("content") and int(data.get("size") or 0) > 0):
        return FileAt(path, None, str(data.get("sha")), too_large=True)
    return FileAt(path, base64.b64decode(data.get("content") or ""), str(data.get("sha")))


def role(github: Client, repository: str, login: str) -> str:
    """``login``'s role on the repository: admin, maintain, write, triage, read, or none."""
    try:
        answer = github.get(
            f"/repos/{repository}/collaborators/{urllib.parse.quote(login, safe='')}/permission"
        )
    except NotFound:
        return "none"
    data = answer.data if isinstance(answer.data, dict) else {}
    return str(data.get("role_name") or data.get("permission") or "none")


def can_write(role_name: str) -> bool:
    """Whether a role can push to the repository (write, maintain or admin)."""
    return role_name in ("write", "maintain", "admin")


def pull_files(github: Client, repository: str, number: int, changed_files: int | None = None) -> PullFiles:
    """Every file GitHub lists for the pull request, and whether the list was cut at 3,000."""
    listed = tuple(
        ChangedFile(item["filename"], item["status"], item.get("previous_filename"))
        for item in github.paginate(f"/repos/{repository}/pulls/{number}/files")
    )
    truncated = len(listed) >= GITHUB_FILE_LIST_LIMIT or (changed_files or 0) > len(listed)
    return PullFiles(listed, truncated)
