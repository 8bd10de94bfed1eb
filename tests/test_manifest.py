"""The App manifest: least permissions and events derived from the routed policies, and ``guard manifest``."""

from __future__ import annotations

import json

import pytest

from guard.cli import main
from guard.handlers import ROUTER
from guard.manifest import CORE_PERMISSIONS, ManifestError, build_manifest, needs
from guard.routing import Route, Router


def _route(policy: str, event: str) -> Route:
    return Route(policy, event, frozenset(), lambda event, ctx: [])


def test_the_guard_alone_needs_only_its_own_permissions_and_no_events() -> None:
    assert needs(Router()) == (dict(sorted(CORE_PERMISSIONS.items())), [])


def test_an_added_policy_brings_its_events_and_the_permissions_they_need() -> None:
    gate = Router([_route("pipeline_review", "pull_request"), _route("pipeline_review", "push")])
    gate.permissions["pull_requests"] = "write"
    permissions, events = needs(Router.combine(gate, Router([_route("fork_secrets", "workflow_run")])))
    assert events == ["pull_request", "push", "workflow_run"]
    assert permissions == {
        "actions": "read",
        "checks": "write",
        "contents": "read",
        "members": "read",
        "metadata": "read",
        "pull_requests": "write",
    }


def test_a_declared_level_is_never_lowered_by_an_event() -> None:
    router = Router([_route("branch_protection", "push")], permissions={"contents": "write"})
    assert needs(router)[0]["contents"] == "write"


def test_the_manifest_points_github_at_the_public_url() -> None:
    manifest = build_manifest(
        Router(), public_url="https://guard.example.com/", redirect_url="http://127.0.0.1:3000/setup/callback"
    )
    assert manifest["url"] == "https://guard.example.com"
    assert manifest["hook_attributes"] == {
        "url": "https://guard.example.com/api/github/webhooks",
        "active": True,
    }
    assert manifest["redirect_url"] == "http://127.0.0.1:3000/setup/callback"
    assert manifest["public"] is False


@pytest.mark.parametrize(
    "url", ["http://localhost:3000", "http://127.0.0.1", "https://[::1]:8443", "ftp://guard.example.com"]
)
def test_a_url_github_cannot_deliver_to_is_refused(url: str) -> None:
    with pytest.raises(ManifestError):
        build_manifest(Router(), public_url=url, redirect_url="http://127.0.0.1/setup/callback")


def test_guard_manifest_prints_the_current_manifest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--url", "https://guard.example.com"]) == 0
    printed = json.loads(capsys.readouterr().out)
    permissions, events = needs(ROUTER)
    assert printed["default_permissions"] == permissions
    assert printed["default_events"] == events
    assert printed["redirect_url"] == "https://guard.example.com/setup/callback"


def test_guard_manifest_explains_a_missing_or_local_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("GUARD_PUBLIC_URL", raising=False)
    monkeypatch.setenv("GUARD_ENV_FILE", "/nonexistent/.env")
    assert main(["manifest"]) == 2
    assert "pass --url or set GUARD_PUBLIC_URL" in capsys.readouterr().err
    assert main(["manifest", "--url", "http://localhost:3000"]) == 2
    assert "use the URL of a tunnel" in capsys.readouterr().err
