"""File and directory contents at a ref."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import Entry, content_entry_json, content_file_json
from tests.github_double.state import Commit, Repo


def _tree_sha(commit: Commit, directory: str) -> str:
    listing = "".join(
        f"{p}:{b.sha}\n" for p, b in sorted(commit.tree.items()) if p.startswith(directory + "/")
    )
    return hashlib.sha1(listing.encode(), usedforsecurity=False).hexdigest()


def _listing(api: str, repo: Repo, commit: Commit, directory: str, ref: str) -> list[dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for path, blob in sorted(commit.tree.items()):
        if not path.startswith(directory + "/"):
            continue
        name, _, deeper = path[len(directory) + 1 :].partition("/")
        child = f"{directory}/{name}"
        if deeper:
            entries.setdefault(
                child, content_entry_json(api, repo, ref, Entry(child, "dir", _tree_sha(commit, child), 0))
            )
        else:
            entries[child] = content_entry_json(
                api, repo, ref, Entry(child, "file", blob.sha, len(blob.data))
            )
    return list(entries.values())


def get_content(request: Request) -> Reply:
    repo = request.repo()
    request.require("contents", "read")
    ref = request.query.get("ref")
    commit = repo.resolve(ref)
    if commit is None:
        raise request.error(404, f"No commit found for the ref {ref}")
    path = request.params["path"].strip("/")
    ref_name = ref or repo.default_branch
    blob = commit.tree.get(path)
    if blob is not None:
        return Reply(200, content_file_json(request.api, repo, path, ref_name, blob))
    listing = _listing(request.api, repo, commit, path, ref_name)
    if not listing:
        raise request.error(404, "Not Found")
    return Reply(200, listing)


def register(router: Router) -> None:
    router.add("repos/get-content", get_content)
