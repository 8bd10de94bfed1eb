"""Reads and writes: conditional GETs, pagination, typed errors, schema rejections, logs, API roots."""

from __future__ import annotations

import base64
import json

import pytest
from structlog.testing import capture_logs

from guard.github import (
    Forbidden,
    GitHub,
    NotFound,
    Unprocessable,
    normalize_api_url,
)
from tests.github_double import GitHubDouble
from tests.github_double.fixtures import TestApp, make_github

CONTENTS = "/repos/{owner}/{repo}/contents/{path}"
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"


@pytest.fixture
def installation_id(github_double: GitHubDouble) -> int:
    installation = github_double.add_installation("acme")
    github_double.add_repo("acme/widgets", files={".github/workflows/ci.yml": "on: push\n"})
    return installation.id


def test_a_repeated_read_is_served_from_the_etag_cache_without_costing_rate_limit(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    first = client.get("/repos/acme/widgets/contents/.github/workflows/ci.yml")
    remaining = client.rate_limit().remaining  # type: ignore[union-attr]
    second = client.get("/repos/acme/widgets/contents/.github/workflows/ci.yml")
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.data == first.data
    assert base64.b64decode(second.data["content"]) == b"on: push\n"
    calls = github_double.calls_to("GET", CONTENTS)
    assert [c.status for c in calls] == [200, 304]
    assert calls[1].headers["if-none-match"] == first.etag
    assert client.rate_limit().remaining == remaining  # type: ignore[union-attr]
    assert github_double.rate_limit(installation_id).remaining == remaining


def test_a_changed_resource_is_fetched_again(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    client.get("/repos/acme/widgets/contents/.github/workflows/ci.yml")
    github_double.put_file("acme/widgets", "main", ".github/workflows/ci.yml", "on: pull_request\n")
    again = client.get("/repos/acme/widgets/contents/.github/workflows/ci.yml")
    assert not again.from_cache
    assert base64.b64decode(again.data["content"]) == b"on: pull_request\n"


def test_cached_answers_are_never_shared_between_installations(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github.installation(installation_id).get("/rate_limit")
    other = github_double.add_installation("globex")
    github.installation(other.id).get("/rate_limit")
    assert [c.headers.get("if-none-match") for c in github_double.calls_to("GET", "/rate_limit")] == [
        None,
        None,
    ]


def test_paginate_follows_link_headers_to_the_last_page(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    for number in range(204):
        github_double.add_repo(f"acme/service-{number:03d}")
    client = github.installation(installation_id)
    names = [repo["name"] for repo in client.paginate("/installation/repositories", item_key="repositories")]
    assert len(names) == 205
    assert len(set(names)) == 205
    pages = github_double.calls_to("GET", "/installation/repositories")
    assert [c.query.get("page") for c in pages] == [None, "2", "3"]
    assert {c.query["per_page"] for c in pages} == {"100"}


def test_paginate_lists_check_runs_of_a_ref(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    client = github.installation(installation_id)
    head = github_double.head("acme/widgets")
    for name in ("guard/pipeline", "guard/forks", "guard/review"):
        client.post("/repos/acme/widgets/check-runs", {"name": name, "head_sha": head})
    runs = list(
        client.paginate("/repos/acme/widgets/commits/main/check-runs", {"per_page": 2}, item_key="check_runs")
    )
    assert sorted(r["name"] for r in runs) == ["guard/forks", "guard/pipeline", "guard/review"]


def test_paginate_refuses_to_follow_a_link_to_another_host(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    github_double.fail(
        "GET",
        "/installation/repositories",
        status=200,
        body={"total_count": 2, "repositories": []},
        headers={"Link": '<https://attacker.example/installation/repositories?page=2>; rel="next"'},
    )
    pages = github.installation(installation_id).paginate(
        "/installation/repositories", item_key="repositories"
    )
    with pytest.raises(ValueError, match="refusing to send GitHub credentials"):
        list(pages)


def test_a_check_run_with_51_annotations_is_refused_by_githubs_schema(
    github: GitHub, github_double: GitHubDouble, installation_id: int
) -> None:
    annotation = {
        "path": "ci.yml",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "warning",
        "message": "m",
    }
    body = {
        "name": "guard",
        "head_sha": github_double.head("acme/widgets"),
        "output": {"title": "t", "summary": "s", "annotations": [annotation] * 51},
    }
    with pytest.raises(Unprocessable) as raised:
        github.installation(installation_id).post("/repos/acme/widgets/check-runs", body)
    assert "51 items is more than the maximum of 50" in raised.value.message
    assert raised.value.documentation_url is not None
    assert github_double.check_runs("acme/widgets") == []
    body["output"]["annotations"] = [annotation] * 50  # type: ignore[index]
    created = github.installation(installation_id).post("/repos/acme/widgets/check-runs", body)
    assert created.status == 201
    assert created.data["output"]["annotations_count"] == 50


def test_errors_are_typed_with_githubs_message(github: GitHub, github_double: GitHubDouble) -> None:
    installation = github_double.add_installation(
        "acme", permissions={"contents": "read", "metadata": "read"}
    )
    github_double.add_repo("acme/widgets")
    client = github.installation(installation.id)
    with pytest.raises(NotFound) as missing:
        client.get("/repos/acme/nothing-here")
    assert missing.value.status == 404
    with pytest.raises(Forbidden, match="Resource not accessible by integration"):
        client.post(
            "/repos/acme/widgets/check-runs",
            {"name": "guard", "head_sha": github_double.head("acme/widgets")},
        )


def test_each_call_is_logged_with_its_headroom_and_never_a_credential(
    github: GitHub, github_double: GitHubDouble, github_app: TestApp, installation_id: int
) -> None:
    with capture_logs() as logs:
        github.installation(installation_id).get("/repos/acme/widgets")
        github.app().get("/app")
    requests_logged = [e for e in logs if e["event"] == "github.request"]
    assert [(e["method"], e["path"], e["status"]) for e in requests_logged] == [
        ("POST", f"/app/installations/{installation_id}/access_tokens", 201),
        ("GET", "/repos/acme/widgets", 200),
        ("GET", "/app", 200),
    ]
    assert all(e["ratelimit_limit"] == 5000 and e["ratelimit_remaining"] < 5000 for e in requests_logged)
    assert all(e["duration_ms"] >= 0 for e in requests_logged)
    text = json.dumps(logs, default=str)
    credentials = {c.headers["authorization"].removeprefix("Bearer ") for c in github_double.calls}
    assert credentials
    assert not any(secret in text for secret in credentials)
    assert "PRIVATE KEY" not in text
    assert github_app.private_key_pem.splitlines()[1] not in text


def test_a_github_enterprise_api_root_keeps_its_path(github_app: TestApp) -> None:
    with GitHubDouble(prefix="/api/v3") as double:
        double.register_app(app_id=github_app.app_id, public_key_pem=github_app.public_key_pem)
        installation = double.add_installation("acme")
        double.add_repo("acme/widgets")
        github = make_github(double, github_app, api_url=double.base_url + "/")
        assert github.installation(installation.id).get("/repos/acme/widgets").data["name"] == "widgets"
        assert [c.path for c in double.calls] == [
            f"/app/installations/{installation.id}/access_tokens",
            "/repos/acme/widgets",
        ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.github.com", "https://api.github.com"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9000/api/v3", "http://localhost:9000/api/v3"),
    ],
)
def test_api_roots_are_normalized(given: str, expected: str) -> None:
    assert normalize_api_url(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "http://ghe.example.com/api/v3",
        "ftp://api.github.com",
        "api.github.com",
        "https://api.github.com/?x=1",
    ],
)
def test_api_roots_that_would_leak_tokens_or_make_no_sense_are_refused(given: str) -> None:
    with pytest.raises(ValueError, match="GITHUB_API_URL"):
        normalize_api_url(given)
