"""The status page and ``guard status``: the App, what it serves, the inbox, sweeps and API headroom."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest

from guard.access import Access
from guard.cli import main
from guard.cli.status import render
from guard.github import GitHub
from guard.inbox import IncomingDelivery
from guard.routing import Route, Router
from guard.services import Services, build_services
from guard.settings import Settings
from guard.state import StateStore
from guard.status import gather
from guard.sweeps import timed_sweep
from guard.web import create_app
from tests.github_double import GitHubDouble
from tests.support.metrics import parse, value


@pytest.fixture
def watched(settings: Settings, github: GitHub, github_double: GitHubDouble) -> Services:
    """The App on acme (two repositories) and on a suspended account; the policies need members: read."""
    acme = github_double.add_installation("acme", installation_id=77)
    github_double.add_repo("acme/widgets")
    github_double.add_repo("acme/gadgets")
    github_double.add_installation("sleepy", installation_id=88)
    github_double.suspend(88)
    router = Router([Route("org_watch", "organization", frozenset(), lambda event, ctx: [])])
    assert acme.permissions.get("members") is None
    return build_services(settings, router=router, github=github)


def test_the_report_shows_the_app_its_installations_and_what_it_lacks(watched: Services) -> None:
    report = gather(watched)
    assert report.app is not None
    assert report.app.name == "Pipeline Guard"
    assert report.app.missing_permissions == {"members": "read"}
    assert report.app.missing_events == ["organization"]
    acme, sleepy = report.installations
    assert (acme.account, acme.repository_count, sorted(acme.repositories)) == (
        "acme",
        2,
        ["acme/gadgets", "acme/widgets"],
    )
    assert acme.missing_permissions == {"members": "read"}
    assert acme.rate_limit is not None
    assert acme.rate_limit.limit == 5000
    assert sleepy.suspended
    assert "installation:77" in report.rate_limits


def test_the_status_page_shows_deliveries_dead_ones_and_sweeps(watched: Services) -> None:
    watched.inbox.put(IncomingDelivery("d-1", "push", "{}", repository="acme/widgets"))
    claimed = watched.inbox.claim("w")
    assert claimed is not None
    watched.inbox.bury(claimed, "malformed payload: missing ref")
    watched.inbox.put(
        IncomingDelivery("d-2", "pull_request", "{}", action="opened", repository="acme/gadgets")
    )
    with timed_sweep("branch_protection", StateStore(watched.db)):
        pass
    page = create_app(services=watched, access=Access(admin=lambda: True)).test_client().get("/")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "pull_request.opened for acme/gadgets" in text
    assert "Waiting in the inbox</th><td>1, the oldest for" in text
    assert "malformed payload: missing ref" in text
    assert "permission <strong>members</strong>: read" in text
    assert "<td>branch_protection</td>" in text
    assert "suspended" in text


def test_a_github_failure_is_shown_and_the_rest_still_works(
    watched: Services, github_double: GitHubDouble
) -> None:
    github_double.fail("GET", "/app", status=500, times=None)
    report = gather(watched)
    assert report.app is None
    assert report.github_error is not None
    assert "500" in report.github_error
    assert report.inbox is not None
    assert "app: none (GitHub answered 500" in render(report)


def test_a_sweep_records_its_duration_and_outcome_even_when_it_fails(services: Services) -> None:
    store = StateStore(services.db)
    with pytest.raises(RuntimeError), timed_sweep("fork_secrets", store):
        raise RuntimeError("GitHub went away")
    (sweep,) = gather(services).sweeps
    assert (sweep.policy, sweep.outcome) == ("fork_secrets", "failed")
    samples = parse(generate_latest().decode())
    assert value(samples, "guard_sweeps_total", policy="fork_secrets", outcome="failed") >= 1
    assert value(samples, "guard_sweep_duration_seconds_count", policy="fork_secrets") >= 1


def test_guard_status_prints_the_report_on_the_server(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env: dict[str, Any] = {
        "WEBHOOK_SECRET": "a-long-enough-webhook-secret",
        "DATABASE_URL": database_url,
        "GUARD_ENV_FILE": str(tmp_path / ".env"),
    }
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    for name in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH"):
        monkeypatch.delenv(name, raising=False)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "app: none (no App credentials: GitHub writes are off)" in out
    assert "inbox: 0 waiting" in out
