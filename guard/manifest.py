"""The GitHub App manifest: permissions and events derived from the routed handlers, never listed twice.

A policy's router declares the permissions its handlers need (``Router(permissions=...)``) and the
events it routes; ``guard.handlers.ROUTER`` combines them. The guard's own parts add theirs in
``CORE_PERMISSIONS``, here and only here. Receiving an event needs read access to the permission GitHub
ties it to, so each routed event brings that permission at read level unless a higher level is declared.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from typing import Any

from guard.routing import Router

WEBHOOK_PATH = "/api/github/webhooks"
SETUP_CALLBACK_PATH = "/setup/callback"
SIGN_IN_CALLBACK_PATH = "/auth/github/callback"
DEFAULT_NAME = "Pipeline Guard"
DESCRIPTION = (
    "Enforces branch protection, keeps forked pull requests away from secrets, and gates changes to "
    "pipeline files behind independent review."
)

# metadata: GitHub grants it to every App. checks: the guard publishes its verdicts as check runs.
# contents: it reads guard.yml from each repository and the organisation's .github repository.
# members: sign-in admits owners and members of the alerts.readers teams (organisation memberships).
CORE_PERMISSIONS: dict[str, str] = {
    "metadata": "read",
    "checks": "write",
    "contents": "read",
    "members": "read",
}

# The repository or organisation permission GitHub requires before an App may subscribe to an event
# ("To subscribe to this event, a GitHub App must have at least read-level access for ...").
EVENT_PERMISSIONS: dict[str, str] = {
    "branch_protection_configuration": "administration",
    "branch_protection_rule": "administration",
    "check_run": "checks",
    "check_suite": "checks",
    "create": "contents",
    "delete": "contents",
    "deployment": "deployments",
    "deployment_protection_rule": "deployments",
    "deployment_status": "deployments",
    "issue_comment": "issues",
    "member": "members",
    "membership": "members",
    "merge_group": "merge_queues",
    "organization": "members",
    "pull_request": "pull_requests",
    "pull_request_review": "pull_requests",
    "pull_request_review_comment": "pull_requests",
    "pull_request_review_thread": "pull_requests",
    "push": "contents",
    "repository": "metadata",
    "repository_ruleset": "administration",
    "team": "members",
    "team_add": "members",
    "workflow_job": "actions",
    "workflow_run": "actions",
}


class ManifestError(ValueError):
    """The manifest cannot be built as asked (a URL GitHub would refuse, for example)."""


def needs(router: Router) -> tuple[dict[str, str], list[str]]:
    """The least permissions and the events the guard needs with these handlers."""
    events = sorted(router.events())
    implied = Router(permissions={EVENT_PERMISSIONS[e]: "read" for e in events if e in EVENT_PERMISSIONS})
    combined = Router.combine(Router(permissions=CORE_PERMISSIONS), implied, router)
    return dict(sorted(combined.permissions.items())), events


def build_manifest(
    router: Router, *, public_url: str, redirect_url: str, name: str = DEFAULT_NAME
) -> dict[str, Any]:
    """The manifest GitHub's App registration takes (``POST /settings/apps/new``, field ``manifest``)."""
    base = check_public_url(public_url)
    permissions, events = needs(router)
    return {
        "name": name.strip() or DEFAULT_NAME,
        "url": base,
        "description": DESCRIPTION,
        "hook_attributes": {"url": base + WEBHOOK_PATH, "active": True},
        "redirect_url": redirect_url,
        "callback_urls": [base + SIGN_IN_CALLBACK_PATH],
        "public": False,
        "request_oauth_on_install": False,
        "default_permissions": permissions,
        "default_events": events,
    }


def check_public_url(url: str) -> str:
    """``url`` without a trailing slash, or ManifestError if GitHub could not deliver webhooks to it."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ManifestError(f"the public URL must be an http(s) URL, got {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ManifestError("the public URL must not carry credentials, a query or a fragment")
    if _is_loopback(parts.hostname):
        raise ManifestError(
            f"GitHub cannot deliver webhooks to {parts.hostname}: use the URL of a tunnel or of the "
            "server GitHub reaches (see docs/deploying.md, 'Try it on a laptop')"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
