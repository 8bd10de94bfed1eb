"""Pull request bodies in GitHub's shapes (``pull-request``, ``diff-entry``) from the double's state."""

from __future__ import annotations

from typing import Any

from tests.github_double.pulls import changed_files, commits_between
from tests.github_double.review_shapes import author_association, pull_labels_json, requested_teams_json
from tests.github_double.shapes import WEB, account_json, iso, repository_json
from tests.github_double.state import Blob, PullRequest, Repo, State, node_id

# Keys of a full ``pull-request`` that the ``pull-request-simple`` items of a listing do not carry.
FULL_ONLY = (
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
)


def _branch_json(api: str, repo: Repo, ref: str, sha: str, user: Any) -> dict[str, Any]:
    return {
        "label": f"{repo.owner.login}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": account_json(api, repo.owner),
        "repo": repository_json(api, repo, full=False),
    }


def _link(href: str) -> dict[str, str]:
    return {"href": href}


def pull_request_json(api: str, state: State, repo: Repo, pull: PullRequest) -> dict[str, Any]:
    """A ``pull-request`` object as ``GET /repos/{owner}/{repo}/pulls/{pull_number}`` returns it."""
    head_repo = state.repo_by_id(pull.head_repo_id) or repo
    files = len(changed_files(repo, pull))
    commits = len(commits_between(repo, pull.base_sha, pull.head_sha))
    url = f"{api}/repos/{repo.full_name}/pulls/{pull.number}"
    issue = f"{api}/repos/{repo.full_name}/issues/{pull.number}"
    html = f"{WEB}/{repo.full_name}/pull/{pull.number}"
    created = iso(pull.created_at)
    return {
        "url": url,
        "id": repo.id * 100_000 + pull.number,
        "node_id": node_id("PullRequest", pull.number),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/repos/{repo.full_name}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": f"{api}/repos/{repo.full_name}/statuses/{pull.head_sha}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "user": account_json(api, pull.user),
        "body": None,
        "labels": pull_labels_json(api, state, repo, pull.labels),
        "milestone": None,
        "active_lock_reason": None,
        "created_at": created,
        "updated_at": created,
        "closed_at": None if pull.state == "open" else created,
        "merged_at": created if pull.merged else None,
        "merge_commit_sha": pull.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [account_json(api, state.user(login)) for login in pull.requested_users],
        "requested_teams": requested_teams_json(api, state, repo, pull.requested_teams),
        "head": _branch_json(api, head_repo, pull.head_ref, pull.head_sha, pull.user),
        "base": _branch_json(api, repo, pull.base_ref, pull.base_sha, repo.owner),
        "_links": {
            "self": _link(url),
            "html": _link(html),
            "issue": _link(issue),
            "comments": _link(f"{issue}/comments"),
            "review_comments": _link(f"{url}/comments"),
            "review_comment": _link(f"{api}/repos/{repo.full_name}/pulls/comments{{/number}}"),
            "commits": _link(f"{url}/commits"),
            "statuses": _link(f"{api}/repos/{repo.full_name}/statuses/{pull.head_sha}"),
        },
        "author_association": author_association(repo, pull.user.login),
        "auto_merge": None,
        "draft": pull.draft,
        "merged": pull.merged,
        "mergeable": None if pull.merged else True,
        "rebaseable": None,
        "mergeable_state": "clean",
        "merged_by": account_json(api, pull.merged_by) if pull.merged_by else None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": commits,
        "additions": 0,
        "deletions": 0,
        "changed_files": files,
    }


def pull_request_simple_json(api: str, state: State, repo: Repo, pull: PullRequest) -> dict[str, Any]:
    """A ``pull-request-simple``: a pull request as listings return it."""
    body = pull_request_json(api, state, repo, pull)
    return {key: value for key, value in body.items() if key not in FULL_ONLY}


def diff_entry_json(api: str, repo: Repo, sha: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A ``diff-entry``: one file of a pull request."""
    blob: Blob = entry["blob"]
    path = entry["filename"]
    body = {
        "sha": blob.sha,
        "filename": path,
        "status": entry["status"],
        "additions": 0,
        "deletions": 0,
        "changes": 0,
        "blob_url": f"{WEB}/{repo.full_name}/blob/{sha}/{path}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{sha}/{path}",
        "contents_url": f"{api}/repos/{repo.full_name}/contents/{path}?ref={sha}",
    }
    if "previous_filename" in entry:
        body["previous_filename"] = entry["previous_filename"]
    return body
