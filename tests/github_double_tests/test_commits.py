"""Pull request commits and comparisons carry who wrote and committed each commit, as GitHub links them."""

from __future__ import annotations

from typing import Any

from tests.github_double.double import GitHubDouble
from tests.github_double_tests.conftest import Caller


def commits(caller: Caller, number: int = 1) -> list[dict[str, Any]]:
    answer = caller.call("GET", f"/repos/acme/widgets/pulls/{number}/commits")
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()
    return listed


def people(commit: dict[str, Any]) -> tuple[str | None, str, str | None, str]:
    """(linked author login, author email, linked committer login, committer email)."""
    linked = [commit[role]["login"] if commit[role] else None for role in ("author", "committer")]
    return linked[0], commit["commit"]["author"]["email"], linked[1], commit["commit"]["committer"]["email"]


def test_a_push_is_authored_and_committed_by_the_pull_requests_user_by_default(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    sha = github_double.push_to_pull("acme/widgets", 1, "README.md", "# new\n")
    octocat = github_double.state.user("octocat")
    email = f"{octocat.id}+octocat@users.noreply.github.com"
    last = commits(caller)[-1]
    assert last["sha"] == sha
    assert people(last) == ("octocat", email, "octocat", email)


def test_an_email_linked_to_no_account_shows_a_null_author(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.push_to_pull(
        "acme/widgets", 1, "a.txt", "a\n", author_email="ghost@example.com", committer="octocat"
    )
    github_double.push_to_pull("acme/widgets", 1, "b.txt", "b\n", author="renovate[bot]")
    unlinked, bot = commits(caller)[-2:]
    assert people(unlinked)[:3] == (None, "ghost@example.com", "octocat")
    assert (bot["author"]["login"], bot["author"]["type"], bot["committer"]["type"]) == (
        "renovate[bot]",
        "Bot",
        "Bot",
    )


def test_a_co_author_trailer_stays_in_the_commit_message(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    message = "Tune CI\n\nCo-authored-by: Mallory <mallory@example.com>"
    github_double.push_to_pull("acme/widgets", 1, "ci.sh", "make\n", message=message, committer="web-flow")
    last = commits(caller)[-1]
    assert last["commit"]["message"] == message
    assert (last["author"]["login"], last["committer"]["login"]) == ("octocat", "web-flow")


def test_pull_request_commits_exclude_the_base_and_come_oldest_first(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.put_file("acme/widgets", "main", "base.txt", "moved on\n")
    first = github_double.head("acme/widgets", "feature")
    second = github_double.push_to_pull("acme/widgets", 1, "README.md", "# two\n")
    listed = commits(caller)
    assert [c["sha"] for c in listed] == [first, second]
    assert listed[1]["parents"][0]["sha"] == first
    assert caller.call("GET", "/repos/acme/widgets/pulls/1").json()["commits"] == 2


def test_github_lists_at_most_250_commits_of_a_pull_request(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    pushed = [github_double.head("acme/widgets", "feature")]
    pushed += [github_double.push_to_pull("acme/widgets", 1, "n.txt", f"{n}\n") for n in range(252)]
    shas = []
    for page in (1, 2, 3, 4):
        answer = caller.call("GET", f"/repos/acme/widgets/pulls/1/commits?per_page=100&page={page}")
        shas += [c["sha"] for c in answer.json()]
    assert shas == pushed[:250]


def compare(caller: Caller, basehead: str) -> dict[str, Any]:
    answer = caller.call("GET", f"/repos/acme/widgets/compare/{basehead}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_compare_counts_commits_ahead_and_behind_and_diffs_from_the_merge_base(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    base = github_double.head("acme/widgets", "main")
    approved = github_double.head("acme/widgets", "feature")
    head = github_double.push_to_pull("acme/widgets", 1, "docs/guide.md", "# guide\n")
    ahead = compare(caller, f"{approved}...{head}")
    assert (ahead["status"], ahead["ahead_by"], ahead["behind_by"], ahead["total_commits"]) == (
        "ahead",
        1,
        0,
        1,
    )
    assert [(f["filename"], f["status"]) for f in ahead["files"]] == [("docs/guide.md", "added")]
    assert ahead["merge_base_commit"]["sha"] == approved
    assert compare(caller, f"{head}...{approved}")["status"] == "behind"
    assert compare(caller, f"{head}...{head}")["status"] == "identical"
    moved = github_double.put_file("acme/widgets", "main", "base.txt", "new\n")
    diverged = compare(caller, f"{moved}...feature")
    assert (diverged["status"], diverged["ahead_by"], diverged["behind_by"]) == ("diverged", 2, 1)
    assert diverged["merge_base_commit"]["sha"] == base
    assert {f["filename"] for f in diverged["files"]} == {".github/workflows/ci.yml", "docs/guide.md"}


def test_compare_answers_404_for_a_commit_it_does_not_know(caller: Caller, acme: int) -> None:
    assert caller.call("GET", "/repos/acme/widgets/compare/main..." + "0" * 40).status_code == 404
    assert caller.call("GET", "/repos/acme/widgets/compare/nope...main").status_code == 404


def test_compare_lists_at_most_300_files(github_double: GitHubDouble, caller: Caller, acme: int) -> None:
    for n in range(301):
        github_double.put_file("acme/widgets", "wide", f"f{n:03}.txt", "x\n")
    assert len(compare(caller, "main...wide")["files"]) == 300
