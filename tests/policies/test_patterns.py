"""The glob grammar shared by branch, ref and path patterns: what matches, and what is refused and why."""

import pytest

from policies.patterns import (
    branch_pattern_problem,
    match_branch,
    match_path,
    match_ref,
    path_pattern_problem,
    ref_pattern_problem,
)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        (".github/workflows/**", ".github/workflows/ci.yml", True),
        (".github/workflows/**", ".github/workflows/sub/ci.yml", True),
        (".github/workflows/**", ".github/workflowsx/ci.yml", False),
        ("**/action.yml", "action.yml", True),
        ("**/action.yml", "tools/deploy/action.yml", True),
        ("**/action.yml", "tools/deploy/action.yml.bak", False),
        ("**/Jenkinsfile*", "ci/Jenkinsfile.release", True),
        ("scripts/*.sh", "scripts/build.sh", True),
        ("scripts/*.sh", "scripts/ci/build.sh", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file/.txt", False),
        ("[!a]*.yml", "b.yml", True),
        ("[!a]*.yml", "a.yml", False),
        ("v[0-9].yml", "v7.yml", True),
        ("a+b(c).yml", "a+b(c).yml", True),
    ],
)
def test_path_globs_match_like_github_branch_rules(pattern: str, path: str, matches: bool) -> None:
    assert match_path(pattern, path) is matches


@pytest.mark.parametrize(
    ("pattern", "ref", "matches"),
    [
        ("~default", "refs/heads/trunk", True),
        ("~default", "refs/heads/main", False),
        ("main", "refs/heads/main", True),
        ("main", "refs/tags/main", False),
        ("release/*", "refs/heads/release/1.0", True),
        ("release/*", "refs/heads/release/1.0/hotfix", False),
        ("release/**", "refs/heads/release/1.0/hotfix", True),
        ("refs/tags/v*", "refs/tags/v1.2.3", True),
        ("refs/tags/v*", "refs/heads/v1", False),
    ],
)
def test_ref_patterns_match_branches_by_name_and_tags_by_full_ref(
    pattern: str, ref: str, matches: bool
) -> None:
    assert match_ref(pattern, ref, default_branch="trunk") is matches


def test_default_branch_pattern_follows_the_repository_default() -> None:
    assert match_branch("~default", "develop", "develop")
    assert not match_branch("~default", "main", "develop")


@pytest.mark.parametrize(
    ("check", "pattern", "problem"),
    [
        (branch_pattern_problem, "", "must not be empty"),
        (branch_pattern_problem, "release/[v1", "has a '[' at offset 8 that is never closed"),
        (branch_pattern_problem, "~main", "unknown special pattern '~main'; the only one is '~default'"),
        (branch_pattern_problem, "refs/heads/main", "is a ref, not a branch name: write 'main'"),
        (branch_pattern_problem, "feature:x", "contains ':', which git does not allow in branch names"),
        (
            branch_pattern_problem,
            "a..b",
            "is not a valid git ref name ('..', '@{' or a trailing '.'/'.lock')",
        ),
        (branch_pattern_problem, "a//b", "has an empty part between '/'"),
        (branch_pattern_problem, "tab\there", "contains a control character"),
        (ref_pattern_problem, "refs/pull/1/head", "names a ref outside refs/heads/ and refs/tags/"),
        (ref_pattern_problem, "refs/tags/", "names no branch or tag after the prefix"),
        (
            path_pattern_problem,
            "/etc/x",
            "starts with '/'; paths are relative to the repository root: write 'etc/x'",
        ),
        (
            path_pattern_problem,
            "build/",
            "ends with '/'; to match everything in a directory write 'build/**'",
        ),
        (path_pattern_problem, "a\\b", "contains '\\'; use '/' between directories"),
        (path_pattern_problem, "../x", "contains an empty, '.' or '..' path segment"),
    ],
)
def test_malformed_patterns_are_explained(check: object, pattern: str, problem: str) -> None:
    assert callable(check)
    assert check(pattern) == problem


@pytest.mark.parametrize(
    ("check", "pattern"),
    [
        (branch_pattern_problem, "~default"),
        (branch_pattern_problem, "release/v[0-9]*"),
        (ref_pattern_problem, "refs/tags/v*"),
        (ref_pattern_problem, "main"),
        (path_pattern_problem, ".github/**"),
        (path_pattern_problem, "**/Jenkinsfile*"),
    ],
)
def test_well_formed_patterns_pass(check: object, pattern: str) -> None:
    assert callable(check)
    assert check(pattern) is None
