"""Timeouts, bounded retries and rate limits: the client fails fast and tells the caller when to retry."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
from structlog.testing import capture_logs

from guard.github import GitHub, GitHubUnavailable, RateLimited, RetryPolicy, Timeouts
from tests.github_double import GitHubDouble
from tests.github_double.fixtures import TestApp, make_github
from tests.support.waiting import wait_for

REPO = "/repos/{owner}/{repo}"
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"


@pytest.fixture
def installation_id(github_double: GitHubDouble) -> int:
    installation = github_double.add_installation("acme")
    github_double.add_repo("acme/widgets")
    return installation.id


def _head(double: GitHubDouble) -> str:
    return double.head("acme/widgets")


def test_a_slow_answer_hits_the_read_timeout_and_ends_unavailable(
    github_double: GitHubDouble, github_app: TestApp, installation_id: int
) -> None:
    github = make_github(github_double, github_app, timeouts=Timeouts(connect=1.0, read=0.2))
    client = github.installation(installation_id)
    client.get("/rate_limit")
    github_double.delay("GET", REPO, 3.0, times=None)
    started = time.monotonic()
    with capture_logs() as logs, pytest.raises(GitHubUnavailable, match="ReadTimeout"):
        client.get("/repos/acme/widgets")
    assert time.monotonic() - started < 1.5
    assert [e["error"] for e in logs if e["event"] == "github.request.failed"] == ["ReadTimeout"] * 3


def test_retries_are_cut_short_to_the_retry_budget(
    github_double: GitHubDouble, github_app: TestApp, installation_id: int
) -> None:
    policy = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.01, budget=1.2)
    github = make_github(github_double, github_app, timeouts=Timeouts(connect=1.0, read=1.0), retry=policy)
    client = github.installation(installation_id)
    client.get("/rate_limit")
    github_double.delay("GET", REPO, 5.0, times=None)
    started = time.monotonic()
    with capture_logs() as logs, pytest.raises(GitHubUnavailable):
        client.get("/repos/acme/widgets")
    assert time.monotonic() - started < 1.6  # first timeout (1.0) + what was left of the budget, not 2 x 1.0
    assert len([e for e in logs if e["event"] == "github.request.failed"]) == 2


def test_server_errors_are_retried_until_success(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github_double.fail("GET", REPO, status=502, times=2)
    assert github.installation(installation_id).get("/repos/acme/widgets").data["full_name"] == "acme/widgets"
    assert [c.status for c in github_double.calls_to("GET", REPO)] == [502, 502, 200]


def test_endless_server_errors_end_unavailable_within_the_retry_budget(
    github_double: GitHubDouble, github_app: TestApp, installation_id: int
) -> None:
    policy = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2, budget=1.0)
    client = make_github(github_double, github_app, retry=policy).installation(installation_id)
    github_double.fail("GET", REPO, status=503, times=None)
    started = time.monotonic()
    with pytest.raises(GitHubUnavailable) as raised:
        client.get("/repos/acme/widgets")
    assert time.monotonic() - started < 1.5
    assert raised.value.status == 503
    assert len(github_double.calls_to("GET", REPO)) == 4


def test_a_post_answered_with_a_server_error_is_not_repeated(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github_double.fail("POST", CHECK_RUNS, status=502, times=None)
    client = github.installation(installation_id)
    with pytest.raises(GitHubUnavailable):
        client.post("/repos/acme/widgets/check-runs", {"name": "guard", "head_sha": _head(github_double)})
    assert len(github_double.calls_to("POST", CHECK_RUNS)) == 1


def test_a_dropped_connection_is_retried_for_reads_but_not_for_creates(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    github_double.drop_connection("GET", REPO)
    assert client.get("/repos/acme/widgets").status == 200
    github_double.drop_connection("POST", CHECK_RUNS)
    with pytest.raises(GitHubUnavailable, match="ConnectionError"):
        client.post("/repos/acme/widgets/check-runs", {"name": "guard", "head_sha": _head(github_double)})
    assert [c.status for c in github_double.calls_to("GET", REPO)] == [0, 200]
    assert [c.status for c in github_double.calls_to("POST", CHECK_RUNS)] == [0]
    assert github_double.check_runs("acme/widgets") == []


def test_a_create_that_never_reached_github_is_retried(github_app: TestApp) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = GitHub(
        app_id=github_app.app_id,
        private_key=github_app.private_key_pem,
        api_url=f"http://127.0.0.1:{closed_port}",
        retry=RetryPolicy(attempts=3, base_delay=0.01),
    )
    with capture_logs() as logs, pytest.raises(GitHubUnavailable, match="failed 3 times"):
        client.app().post("/app/hook/deliveries/1/attempts")
    assert [e["event"] for e in logs] == ["github.request.failed"] * 3


def test_primary_rate_limit_gives_the_reset_time_and_blocks_further_calls(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    github_double.rate_limit_primary("GET", REPO, reset_in=900)
    with pytest.raises(RateLimited) as raised:
        client.get("/repos/acme/widgets")
    assert raised.value.kind == "primary"
    assert raised.value.retry_at == pytest.approx(github_double.now() + 900, abs=2)
    with pytest.raises(RateLimited) as again:
        client.get("/repos/acme/widgets/git/ref/heads/main")
    assert again.value.retry_at == raised.value.retry_at
    assert len(github_double.calls_to("GET", REPO)) == 1
    assert github_double.calls_to("GET", "/repos/{owner}/{repo}/git/ref/{ref}") == []


def test_a_reset_time_is_read_against_githubs_clock_when_it_differs(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github_double.set_clock_skew(300)
    github_double.rate_limit_primary("GET", REPO, reset_in=900)
    with pytest.raises(RateLimited) as raised:
        github.installation(installation_id).get("/repos/acme/widgets")
    assert raised.value.retry_at == pytest.approx(github_double.clock() + 900, abs=2)


def test_a_429_with_retry_after_is_a_secondary_limit_until_then(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github_double.rate_limit_secondary("GET", REPO, retry_after=30, status=429)
    started = time.monotonic()
    with pytest.raises(RateLimited) as raised:
        github.installation(installation_id).get("/repos/acme/widgets")
    assert time.monotonic() - started < 1
    assert raised.value.kind == "secondary"
    assert raised.value.status == 429
    assert raised.value.retry_at == pytest.approx(github_double.now() + 30, abs=2)


def test_a_secondary_limit_without_headers_waits_at_least_a_minute(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github_double.rate_limit_secondary("GET", REPO)
    with pytest.raises(RateLimited) as raised:
        github.installation(installation_id).get("/repos/acme/widgets")
    assert raised.value.kind == "secondary"
    assert raised.value.retry_at >= github_double.now() + 59
    assert "secondary rate limit" in raised.value.message


def test_an_exhausted_budget_is_refused_by_github_until_its_reset(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    client.get("/rate_limit")
    github_double.set_rate_limit(installation_id, remaining=0, reset_in=1200)
    with pytest.raises(RateLimited) as raised:
        client.get("/repos/acme/widgets")
    assert raised.value.kind == "primary"
    assert raised.value.retry_at == pytest.approx(github_double.now() + 1200, abs=2)
    assert client.get("/rate_limit").data["resources"]["core"]["remaining"] == 0


def test_the_last_request_of_a_budget_holds_the_identity_without_asking_github(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    client.get("/rate_limit")
    github_double.set_rate_limit(installation_id, remaining=1, reset_in=600)
    client.get("/repos/acme/widgets")
    assert client.rate_limit() is not None
    assert client.rate_limit().remaining == 0  # type: ignore[union-attr]
    with pytest.raises(RateLimited):
        client.get("/repos/acme/widgets")
    assert len(github_double.calls_to("GET", REPO)) == 1
    other = github_double.add_installation("globex")
    github_double.add_repo("globex/tools")
    assert github.installation(other.id).get("/repos/globex/tools").status == 200


def test_a_retry_due_after_github_said_to_wait_is_not_sent(
    github_double: GitHubDouble, github_app: TestApp, installation_id: int
) -> None:
    limited = threading.Event()
    client = make_github(github_double, github_app, sleep=lambda _: limited.wait(5)).installation(
        installation_id
    )
    client.get("/rate_limit")
    github_double.fail("GET", REPO, status=502, times=1)
    github_double.rate_limit_secondary("GET", "/repos/{owner}/{repo}/branches", retry_after=60)
    outcome: list[BaseException] = []
    retrying = threading.Thread(target=lambda: _record_failure(outcome, client.get, "/repos/acme/widgets"))
    retrying.start()
    wait_for(lambda: github_double.calls_to("GET", REPO))  # the first GET has had its 502 and backs off
    with pytest.raises(RateLimited):
        client.get("/repos/acme/widgets/branches")
    limited.set()  # the backoff ends after GitHub said to wait
    retrying.join()
    assert [type(error) for error in outcome] == [RateLimited]
    assert [c.status for c in github_double.calls_to("GET", REPO)] == [502]


def _record_failure(outcome: list[BaseException], call: Callable[[str], object], path: str) -> None:
    try:
        call(path)
    except BaseException as error:
        outcome.append(error)
