"""Facts several policies share, read from GitHub through the App's client."""

from __future__ import annotations

import pytest

from guard.facts import can_write, read_file, role
from guard.github import GitHub
from tests.github_double.double import GitHubDouble


@pytest.fixture
def client(github: GitHub, github_double: GitHubDouble) -> object:
    installation = github_double.add_installation("acme")
    github_double.add_repo("acme/widgets", files={"a/b c.txt": "x\n"})
    github_double.add_repo("acme/site", visibility="public")
    return github.installation(installation.id)


@pytest.mark.parametrize(
    ("repo", "given", "expected", "writes"),
    [
        ("acme/widgets", "maintain", "maintain", True),
        ("acme/widgets", "triage", "triage", False),
        ("acme/widgets", None, "none", False),
        ("acme/site", None, "read", False),
    ],
)
def test_a_users_role_decides_whether_they_can_write(
    client: object, github_double: GitHubDouble, repo: str, given: str | None, expected: str, writes: bool
) -> None:
    github_double.set_role(repo, "octocat", given)
    found = role(client, repo, "octocat")  # type: ignore[arg-type]
    assert (found, can_write(found)) == (expected, writes)


def test_a_path_with_spaces_is_read_and_a_missing_file_is_absent(client: object) -> None:
    assert read_file(client, "acme/widgets", "a/b c.txt").content == b"x\n"  # type: ignore[arg-type]
    assert read_file(client, "acme/widgets", "nope.txt").content is None  # type: ignore[arg-type]
