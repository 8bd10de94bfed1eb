"""GitHub's App manifest flow, web side: the form that creates an App and hands back a code.

``POST /settings/apps/new`` (or ``/organizations/{org}/settings/apps/new``) takes the form field
``manifest``. GitHub shows the person a confirmation page; the double skips it (as if they clicked
"Create GitHub App") and redirects to the manifest's ``redirect_url`` with ``code`` and ``state``. The
code converts once, within an hour (``routes/app_manifests.py``). A manifest outside GitHub's documented
fields gets an error page and no code.
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import urllib.parse
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request as WRequest
from werkzeug.wrappers import Response

from tests.github_double.state import ManifestCode

if TYPE_CHECKING:
    from tests.github_double.double import GitHubDouble

MAX_NAME = 34
MAX_CALLBACK_URLS = 10
WEB_PATHS = (
    re.compile(r"^/settings/apps/new$"),
    re.compile(r"^/organizations/(?P<org>[A-Za-z0-9-]{1,39})/settings/apps/new$"),
)
FIELDS = {
    "name": str,
    "url": str,
    "hook_attributes": dict,
    "redirect_url": str,
    "callback_urls": list,
    "setup_url": str,
    "description": str,
    "public": bool,
    "default_events": list,
    "default_permissions": dict,
    "request_oauth_on_install": bool,
    "setup_on_update": bool,
}
# The permission an App needs before it may subscribe to these events.
EVENT_NEEDS = {
    "branch_protection_rule": "administration",
    "check_run": "checks",
    "check_suite": "checks",
    "deployment_protection_rule": "deployments",
    "merge_group": "merge_queues",
    "pull_request": "pull_requests",
    "pull_request_review": "pull_requests",
    "push": "contents",
    "repository_ruleset": "administration",
    "workflow_job": "actions",
    "workflow_run": "actions",
}


def _url_problem(field: str, value: object, *, public: bool = False) -> str | None:
    if not isinstance(value, str):
        return f"{field} must be a string"
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{field} is not a valid URL"
    if public and _loopback(parts.hostname):
        return f"{field} is not supported because it isn't reachable over the public Internet (localhost)"
    return None


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def manifest_problems(double: GitHubDouble, manifest: Any) -> list[str]:
    """What GitHub would refuse in ``manifest`` (empty when it is acceptable)."""
    if not isinstance(manifest, dict):
        return ["the manifest must be a JSON object"]
    problems = [f"unknown manifest field {key!r}" for key in manifest if key not in FIELDS]
    problems += [
        f"{key} must be a {kind.__name__}"
        for key, kind in FIELDS.items()
        if key in manifest and not isinstance(manifest[key], kind)
    ]
    if problems:
        return problems
    if len(manifest.get("name", "")) > MAX_NAME:
        problems.append(f"Name is too long (maximum is {MAX_NAME} characters)")
    problems += [p for p in (_url_problem("url", manifest.get("url")),) if p]
    problems += _hook_problems(manifest.get("hook_attributes"))
    for field in ("redirect_url", "setup_url"):
        if field in manifest:
            problems += [p for p in (_url_problem(field, manifest[field]),) if p]
    callbacks = manifest.get("callback_urls", [])
    if len(callbacks) > MAX_CALLBACK_URLS:
        problems.append(f"callback_urls may list at most {MAX_CALLBACK_URLS} URLs")
    problems += [p for p in (_url_problem("callback_urls[]", c) for c in callbacks) if p]
    return problems + _permission_problems(double, manifest)


def _hook_problems(hook: dict[str, Any] | None) -> list[str]:
    if hook is None:
        return []
    unknown = [f"unknown hook_attributes field {key!r}" for key in hook if key not in ("url", "active")]
    url = _url_problem("Hook URL", hook.get("url"), public=True) if "url" in hook else "Hook URL is missing"
    active = (
        [] if isinstance(hook.get("active", True), bool) else ["hook_attributes.active must be a boolean"]
    )
    return unknown + ([url] if url else []) + active


def _permission_problems(double: GitHubDouble, manifest: dict[str, Any]) -> list[str]:
    schema = double.api.document["components"]["schemas"]["app-permissions"]["properties"]
    permissions = manifest.get("default_permissions", {})
    problems = []
    for name, level in permissions.items():
        if name not in schema:
            problems.append(f"unknown permission {name!r}")
        elif level not in schema[name]["enum"]:
            problems.append(f"permission {name} cannot be {level!r}")
    for event in manifest.get("default_events", []):
        if event not in double.api.app_events:
            problems.append(f"Default events unsupported: {event}")
        elif EVENT_NEEDS.get(event, "metadata") not in {*permissions, "metadata"}:
            problems.append(
                f"Default events unsupported: {event} (needs the {EVENT_NEEDS[event]} permission)"
            )
    return problems


def issue_code(double: GitHubDouble, manifest: dict[str, Any], owner: str, owner_type: str) -> str:
    """Record that ``owner`` created an App from ``manifest``; the code GitHub redirects with."""
    code = secrets.token_hex(10)
    with double.state.lock:
        account = double.state.account(owner, owner_type)
        double.state.manifest_codes[code] = ManifestCode(code, manifest, account, double.now())
    return code


def web_reply(double: GitHubDouble, wreq: WRequest) -> Response | None:
    """The answer to a web (not API) request the double knows, or None."""
    if wreq.method != "POST":
        return None
    for pattern in WEB_PATHS:
        found = pattern.match(wreq.path)
        if found:
            return _create_from_form(double, wreq, found.groupdict().get("org"))
    return None


def _create_from_form(double: GitHubDouble, wreq: WRequest, org: str | None) -> Response:
    try:
        manifest = json.loads(wreq.form.get("manifest", ""))
    except ValueError:
        return _error_page(["the manifest field is missing or is not JSON"])
    problems = manifest_problems(double, manifest)
    if problems:
        return _error_page(problems)
    owner, owner_type = (org, "Organization") if org else ("octocat", "User")
    code = issue_code(double, manifest, owner, owner_type)
    target = manifest.get("redirect_url") or f"{double.web_url}/settings/apps"
    query = {"code": code} | ({"state": wreq.args["state"]} if "state" in wreq.args else {})
    separator = "&" if "?" in target else "?"
    return Response(status=302, headers={"Location": f"{target}{separator}{urllib.parse.urlencode(query)}"})


def _error_page(problems: list[str]) -> Response:
    items = "".join(f"<li>{p}</li>" for p in problems)
    body = f"<html><body><h1>Invalid GitHub App manifest</h1><ul>{items}</ul></body></html>"
    return Response(body, status=422, content_type="text/html; charset=utf-8")
