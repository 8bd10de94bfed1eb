"""The double behaves like GitHub where the client and features depend on it."""

from __future__ import annotations

import base64
import email.utils
import shutil
import subprocess
import time

import jwt
import pytest
import requests

from tests.github_double import GitHubDouble
from tests.github_double.credentials import EXP_TOO_FAR, IAT_MESSAGE
from tests.github_double.fixtures import TestApp
from tests.github_double_tests.conftest import Caller

REPO = "/repos/{owner}/{repo}"


def _signed(app: TestApp, claims: dict[str, object]) -> str:
    return jwt.encode(claims, app.private_key_pem, algorithm="RS256")


@pytest.mark.parametrize(
    ("iat_offset", "exp_offset", "message"),
    [
        (30, 540, IAT_MESSAGE),
        (-60, 700, EXP_TOO_FAR),
        (-900, -300, "'Expiration time' claim ('exp') must be"),
    ],
)
def test_jwt_claims_are_checked_against_githubs_clock(
    github_double: GitHubDouble, github_app: TestApp, iat_offset: int, exp_offset: int, message: str
) -> None:
    now = int(github_double.now())
    token = _signed(
        github_app, {"iat": now + iat_offset, "exp": now + exp_offset, "iss": str(github_app.app_id)}
    )
    answer = requests.get(
        f"{github_double.base_url}/app", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert answer.status_code == 401
    assert answer.json()["message"].startswith(message)


def test_a_jwt_is_not_an_installation_token(caller: Caller, acme: int) -> None:
    assert caller.call("GET", "/repos/acme/widgets", as_app=True).status_code == 401
    assert caller.call("GET", "/app").status_code == 401


def test_answers_are_dated_by_githubs_clock(github_double: GitHubDouble, caller: Caller, acme: int) -> None:
    github_double.set_clock_skew(-3600)
    date = caller.call("GET", "/rate_limit").headers["Date"]
    assert email.utils.parsedate_to_datetime(date).timestamp() == pytest.approx(time.time() - 3600, abs=5)


def test_tokens_expire_after_an_hour_of_githubs_time(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    assert caller.call("GET", "/repos/acme/widgets").status_code == 200
    github_double.clock.advance(3601)  # type: ignore[attr-defined]
    answer = caller.call("GET", "/repos/acme/widgets")
    assert (answer.status_code, answer.json()["message"]) == (401, "Bad credentials")


def test_a_token_can_be_narrowed_to_some_repositories(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.add_repo("acme/gadgets")
    minted = caller.mint(acme, {"repositories": ["gadgets"]})
    assert [r["full_name"] for r in minted.json()["repositories"]] == ["acme/gadgets"]
    assert caller.call("GET", "/repos/acme/gadgets").status_code == 200
    assert caller.call("GET", "/repos/acme/widgets").status_code == 404


def test_a_token_cannot_ask_for_more_than_the_installation_has(caller: Caller, acme: int) -> None:
    answer = caller.mint(acme, {"permissions": {"workflows": "write"}})
    assert answer.status_code == 422
    assert caller.mint(acme, {"repositories": ["not-there"]}).status_code == 422


def test_selected_repositories_hide_the_others(github_double: GitHubDouble, caller: Caller) -> None:
    installation = github_double.add_installation("globex", repository_selection="selected")
    github_double.add_repo("globex/shown")
    github_double.add_repo("globex/hidden", installed=False)
    caller.mint(installation.id)
    listed = caller.call("GET", "/installation/repositories").json()
    assert [r["full_name"] for r in listed["repositories"]] == ["globex/shown"]
    assert listed["repository_selection"] == "selected"
    assert caller.call("GET", "/repos/globex/hidden").status_code == 404


def test_a_suspended_installation_gets_no_token(github_double: GitHubDouble, caller: Caller) -> None:
    installation = github_double.add_installation("initech")
    github_double.suspend(installation.id)
    answer = caller.mint(installation.id)
    assert (answer.status_code, answer.json()["message"]) == (403, "This installation has been suspended")


def test_rate_limit_counts_down_and_a_304_is_free(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    first = caller.call("GET", "/repos/acme/widgets")
    second = caller.call("GET", "/repos/acme/widgets")
    cached = caller.call("GET", "/repos/acme/widgets", headers={"If-None-Match": first.headers["ETag"]})
    assert int(second.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["x-ratelimit-remaining"] == second.headers["x-ratelimit-remaining"]
    assert github_double.rate_limit(acme).used == 2


def test_pages_are_linked_like_github(github_double: GitHubDouble, caller: Caller, acme: int) -> None:
    for number in range(6):
        github_double.add_repo(f"acme/r{number}")
    answer = caller.call("GET", "/installation/repositories?per_page=3&page=2")
    assert answer.json()["total_count"] == 7
    assert [r["name"] for r in answer.json()["repositories"]] == ["r2", "r3", "r4"]
    links = {rel: link["url"] for rel, link in answer.links.items()}
    base = f"{github_double.base_url}/installation/repositories"
    assert links == {
        "prev": f"{base}?per_page=3&page=1",
        "next": f"{base}?per_page=3&page=3",
        "last": f"{base}?per_page=3&page=3",
        "first": f"{base}?per_page=3&page=1",
    }


def test_file_contents_come_base64_encoded_with_their_git_blob_sha(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    text = "name: ci\n" * 20
    github_double.put_file("acme/widgets", "feature", ".github/workflows/ci.yml", text)
    answer = caller.call("GET", "/repos/acme/widgets/contents/.github/workflows/ci.yml?ref=feature").json()
    assert base64.b64decode(answer["content"]).decode() == text
    assert all(len(line) <= 60 for line in answer["content"].splitlines())
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    expected = subprocess.run(
        [git, "hash-object", "--stdin"], input=text.encode(), capture_output=True, check=True
    )
    assert answer["sha"] == expected.stdout.decode().strip()
    main = caller.call("GET", "/repos/acme/widgets/contents/.github/workflows/ci.yml").json()
    assert base64.b64decode(main["content"]) == b"on: push\n"


def test_branches_and_deleted_files(github_double: GitHubDouble, caller: Caller, acme: int) -> None:
    github_double.create_branch("acme/widgets", "release")
    head = github_double.delete_file("acme/widgets", "release", "README.md")
    assert caller.call("GET", "/repos/acme/widgets/git/ref/heads/release").json()["object"]["sha"] == head
    assert caller.call("GET", "/repos/acme/widgets/contents/README.md?ref=release").status_code == 404
    assert caller.call("GET", "/repos/acme/widgets/contents/README.md").status_code == 200


def test_check_run_annotations_append_and_a_conclusion_completes_the_run(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    note = {"path": "ci.yml", "start_line": 2, "end_line": 2, "annotation_level": "failure", "message": "m"}
    created = caller.call(
        "POST",
        "/repos/acme/widgets/check-runs",
        {
            "name": "guard",
            "head_sha": github_double.head("acme/widgets"),
            "status": "in_progress",
            "output": {"title": "Pipeline", "summary": "checking", "annotations": [note]},
        },
    ).json()
    updated = caller.call(
        "PATCH",
        f"/repos/acme/widgets/check-runs/{created['id']}",
        {
            "conclusion": "failure",
            "output": {"summary": "1 problem", "annotations": [note, note]},
        },
    ).json()
    assert (updated["status"], updated["conclusion"]) == ("completed", "failure")
    assert updated["completed_at"] is not None
    assert updated["output"] | {"annotations_url": ""} == {
        "title": "Pipeline",
        "summary": "1 problem",
        "text": None,
        "annotations_count": 3,
        "annotations_url": "",
    }
    (run,) = github_double.check_runs("acme/widgets")
    assert len(run.annotations) == 3


def test_listing_check_runs_keeps_the_latest_per_name_unless_asked_for_all(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    sha = github_double.head("acme/widgets")
    for name in ("guard", "guard", "lint"):
        caller.call("POST", "/repos/acme/widgets/check-runs", {"name": name, "head_sha": sha})
    latest = caller.call("GET", f"/repos/acme/widgets/commits/{sha}/check-runs").json()
    everything = caller.call("GET", "/repos/acme/widgets/commits/main/check-runs?filter=all").json()
    named = caller.call("GET", "/repos/acme/widgets/commits/main/check-runs?check_name=lint").json()
    assert (latest["total_count"], everything["total_count"], named["total_count"]) == (2, 3, 1)


def test_faults_apply_to_the_named_route_the_given_number_of_times(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.fail("GET", REPO, status=500, times=2)
    statuses = [caller.call("GET", "/repos/acme/widgets").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert caller.call("GET", "/repos/acme/widgets/git/ref/heads/main").status_code == 200


def test_a_delayed_answer_arrives_late_and_a_dropped_one_never(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.delay("GET", REPO, 0.3)
    started = time.monotonic()
    assert caller.call("GET", "/repos/acme/widgets").status_code == 200
    assert time.monotonic() - started >= 0.3
    github_double.drop_connection("GET", REPO)
    with pytest.raises(requests.ConnectionError):
        caller.call("GET", "/repos/acme/widgets")


def test_faults_name_a_route_the_double_serves(github_double: GitHubDouble) -> None:
    with pytest.raises(ValueError, match=r"no route GET /repos/\{owner\}/\{repo\}/issues"):
        github_double.fail("GET", "/repos/{owner}/{repo}/issues")


def test_calls_record_what_was_asked_and_answered(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.clear_calls()
    body = {"name": "guard", "head_sha": github_double.head("acme/widgets"), "external_id": "delivery-1"}
    caller.call("POST", "/repos/acme/widgets/check-runs?ignored=1", body)
    (call,) = github_double.calls_to("POST", "/repos/{owner}/{repo}/check-runs")
    assert (call.path, call.query, call.body, call.status) == (
        "/repos/acme/widgets/check-runs",
        {"ignored": "1"},
        body,
        201,
    )
    assert (call.operation_id, call.auth) == ("checks/create", f"installation:{acme}")


def test_malformed_json_and_unknown_routes_get_githubs_answers(caller: Caller, acme: int) -> None:
    bad = caller.session.post(
        f"{caller.double.base_url}/repos/acme/widgets/check-runs",
        data=b"{not json",
        headers={"Authorization": f"Bearer {caller.token}"},
        timeout=5,
    )
    assert (bad.status_code, bad.json()["message"]) == (400, "Problems parsing JSON")
    assert caller.call("GET", "/repos/acme/widgets/unknown-thing").status_code == 404
