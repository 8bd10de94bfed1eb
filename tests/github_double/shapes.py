"""JSON bodies in GitHub's shapes, built from the double's state.

The repository object starts from a response recorded against api.github.com (``recorded/``) so its
~90 fields stay real; the smaller objects are written out here. The double validates every body it
sends against the OpenAPI response schema, so a drift shows up as a failing test.
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.github_double.state import Account, AppRecord, Blob, CheckRun, Installation, Repo, Token, node_id

WEB = "https://github.com"
RECORDED = Path(__file__).resolve().parent.parent / "data" / "github" / "recorded"
_TEMPLATE_REPO = "octokit-fixture-org/hello-world"
_TEMPLATE_OWNER = "octokit-fixture-org"
_CREATED = "2024-01-02T03:04:05Z"


def iso(timestamp: float) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, GitHub's timestamp format."""
    return datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.cache
def recorded(name: str) -> list[dict[str, Any]]:
    """The exchanges in ``tests/data/github/recorded/<name>.json``."""
    exchanges: list[dict[str, Any]] = json.loads((RECORDED / f"{name}.json").read_text(encoding="utf-8"))
    return exchanges


def account_json(api: str, account: Account) -> dict[str, Any]:
    """A ``simple-user`` object."""
    user = f"{api}/users/{account.login}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id("Organization" if account.type == "Organization" else "User", account.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": user,
        "html_url": f"{WEB}/{account.login}",
        "followers_url": f"{user}/followers",
        "following_url": f"{user}/following{{/other_user}}",
        "gists_url": f"{user}/gists{{/gist_id}}",
        "starred_url": f"{user}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{user}/subscriptions",
        "organizations_url": f"{user}/orgs",
        "repos_url": f"{user}/repos",
        "events_url": f"{user}/events{{/privacy}}",
        "received_events_url": f"{user}/received_events",
        "type": account.type,
        "site_admin": False,
    }


# What a new repository shows instead of the recorded one's counters, dates and topics.
_FRESH_REPOSITORY: dict[str, Any] = {
    "created_at": _CREATED,
    "updated_at": _CREATED,
    "pushed_at": _CREATED,
    "topics": [],
    "has_discussions": False,
    "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
} | dict.fromkeys(
    (
        "stargazers_count",
        "watchers_count",
        "watchers",
        "forks_count",
        "forks",
        "open_issues_count",
        "open_issues",
    ),
    0,
)


def repository_json(api: str, repo: Repo, *, full: bool = True) -> dict[str, Any]:
    """A ``full-repository`` object, or the shorter ``repository`` one that lists return."""
    template = json.dumps(recorded("get-repository")[0]["response"])
    text = (
        template.replace(_TEMPLATE_REPO, repo.full_name)
        .replace(_TEMPLATE_OWNER, repo.owner.login)
        .replace("https://api.github.com", api)
    )
    owner = account_json(api, repo.owner)
    body: dict[str, Any] = json.loads(text) | copy.deepcopy(_FRESH_REPOSITORY)
    body.update(
        id=repo.id,
        node_id=node_id("Repository", repo.id),
        name=repo.name,
        owner=owner,
        private=repo.visibility != "public",
        visibility=repo.visibility,
        fork=repo.fork,
        archived=repo.archived,
        default_branch=repo.default_branch,
    )
    if full and repo.owner.type == "Organization":
        body["organization"] = copy.deepcopy(owner)
    else:
        body.pop("organization", None)
    if not full:
        for key in ("network_count", "subscribers_count", "has_discussions"):
            body.pop(key, None)
    return body


def integration_json(api: str, app: AppRecord) -> dict[str, Any]:
    """The ``integration`` object describing the App."""
    return {
        "id": app.id,
        "slug": app.slug,
        "client_id": app.client_id,
        "node_id": node_id("Integration", app.id),
        "owner": account_json(api, app.owner),
        "name": app.name,
        "description": "",
        "external_url": "https://pipeline-guard.example",
        "html_url": f"{WEB}/apps/{app.slug}",
        "created_at": _CREATED,
        "updated_at": _CREATED,
        "permissions": dict(app.permissions),
        "events": list(app.events),
        "installations_count": 0,
    }


def installation_json(api: str, app: AppRecord, installation: Installation) -> dict[str, Any]:
    """The ``installation`` object for one installation of the App."""
    account = installation.account
    settings = "organizations" if account.type == "Organization" else "settings"
    html = f"{WEB}/organizations/{account.login}/settings/installations/{installation.id}"
    return {
        "id": installation.id,
        "account": account_json(api, account),
        "repository_selection": installation.repository_selection,
        "access_tokens_url": f"{api}/app/installations/{installation.id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": html
        if settings == "organizations"
        else f"{WEB}/settings/installations/{installation.id}",
        "app_id": app.id,
        "client_id": app.client_id,
        "app_slug": app.slug,
        "target_id": account.id,
        "target_type": account.type,
        "permissions": dict(installation.permissions),
        "events": list(installation.events),
        "created_at": _CREATED,
        "updated_at": _CREATED,
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": _CREATED if installation.suspended else None,
    }


def token_json(api: str, token: Token, repos: list[Repo] | None) -> dict[str, Any]:
    """The ``installation-token`` answer to a token request."""
    body: dict[str, Any] = {
        "token": token.value,
        "expires_at": iso(token.expires_at),
        "permissions": dict(token.permissions),
        "repository_selection": "all" if repos is None else "selected",
    }
    if repos is not None:
        body["repositories"] = [repository_json(api, repo, full=False) for repo in repos]
    return body


def git_ref_json(api: str, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    """A ``git-ref`` object (``ref`` fully qualified)."""
    base = f"{api}/repos/{repo.full_name}/git"
    return {
        "ref": ref,
        "node_id": node_id("Ref", zlib.crc32(f"{repo.id}:{ref}".encode())),
        "url": f"{base}/{ref}",
        "object": {"sha": sha, "type": "commit", "url": f"{base}/commits/{sha}"},
    }


@dataclass(frozen=True)
class Entry:
    """A file or directory at a path, for the contents API."""

    path: str
    kind: str
    sha: str
    size: int


def content_entry_json(api: str, repo: Repo, ref: str, entry: Entry) -> dict[str, Any]:
    """One item of a directory listing (``kind`` is ``file`` or ``dir``) with GitHub's links."""
    tree = entry.kind == "dir"
    git = f"{api}/repos/{repo.full_name}/git/{'trees' if tree else 'blobs'}/{entry.sha}"
    html = f"{WEB}/{repo.full_name}/{'tree' if tree else 'blob'}/{ref}/{entry.path}"
    url = f"{api}/repos/{repo.full_name}/contents/{entry.path}?ref={ref}"
    return {
        "type": entry.kind,
        "size": entry.size,
        "name": entry.path.rsplit("/", 1)[-1],
        "path": entry.path,
        "sha": entry.sha,
        "url": url,
        "html_url": html,
        "git_url": git,
        "download_url": None
        if tree
        else f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{entry.path}",
        "_links": {"self": url, "git": git, "html": html},
    }


def content_file_json(api: str, repo: Repo, path: str, ref: str, blob: Blob) -> dict[str, Any]:
    """A ``content-file`` object with the file base64-encoded in 60-character lines, as GitHub does."""
    encoded = base64.b64encode(blob.data).decode()
    lines = "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))
    body = content_entry_json(api, repo, ref, Entry(path, "file", blob.sha, len(blob.data)))
    return body | {"content": lines, "encoding": "base64"}


def check_run_json(api: str, app: AppRecord, repo: Repo, run: CheckRun) -> dict[str, Any]:
    """A ``check-run`` object."""
    output = {key: run.output.get(key) for key in ("title", "summary", "text")}
    output["annotations_count"] = len(run.annotations)
    output["annotations_url"] = f"{api}/repos/{repo.full_name}/check-runs/{run.id}/annotations"
    return {
        "id": run.id,
        "node_id": node_id("CheckRun", run.id),
        "head_sha": run.head_sha,
        "external_id": run.external_id or "",
        "url": f"{api}/repos/{repo.full_name}/check-runs/{run.id}",
        "html_url": f"{WEB}/{repo.full_name}/runs/{run.id}",
        "details_url": run.details_url or f"{WEB}/apps/{app.slug}",
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": output,
        "name": run.name,
        "check_suite": {"id": run.repo_id * 1000 + 1},
        "app": integration_json(api, app),
        "pull_requests": [],
    }


def rate_limit_json(limit: int, remaining: int, reset: int) -> dict[str, Any]:
    """A ``rate-limit-overview`` object; only ``core`` is tracked, the others report full budgets."""
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": limit - remaining}
    resources = {
        "core": core,
        "search": {"limit": 30, "remaining": 30, "reset": reset, "used": 0},
        "graphql": {"limit": 5000, "remaining": 5000, "reset": reset, "used": 0},
    }
    return {"resources": resources, "rate": dict(core)}


def private_user_json(api: str, account: Account) -> dict[str, Any]:
    """A ``private-user`` object: what ``GET /user`` shows the person themselves."""
    return account_json(api, account) | {
        "name": account.login.title(),
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": _CREATED,
        "updated_at": _CREATED,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
        "user_view_type": "private",
    }


def org_membership_json(api: str, org: Account, user: dict[str, Any], role: str) -> dict[str, Any]:
    """An ``org-membership`` object for an active member (``role`` is ``admin`` for owners)."""
    org_url = f"{api}/orgs/{org.login}"
    organization = {
        "login": org.login,
        "id": org.id,
        "node_id": node_id("Organization", org.id),
        "url": org_url,
        "repos_url": f"{org_url}/repos",
        "events_url": f"{org_url}/events",
        "hooks_url": f"{org_url}/hooks",
        "issues_url": f"{org_url}/issues",
        "members_url": f"{org_url}/members{{/member}}",
        "public_members_url": f"{org_url}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org.id}?v=4",
        "description": None,
    }
    return {
        "url": f"{org_url}/memberships/{user['login']}",
        "state": "active",
        "role": role,
        "organization_url": org_url,
        "organization": organization,
        "user": user,
    }
