"""Strict validation: every error a user can make is reported at its file, line and column."""

import itertools
import time
from pathlib import Path

import pytest

from policies.config import Level, parse

ROOT = Path(__file__).resolve().parents[3]


def problems(source: str | bytes, level: Level = Level.REPO, file: str = ".github/guard.yml") -> list[str]:
    return [str(problem) for problem in parse(source, file=file, level=level).problems]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "branch_protection:\n  mode: enfroce\n",
            "2:9: branch_protection.mode: 'enfroce' is not one of off, observe, enforce "
            "(did you mean 'enforce'?)",
        ),
        (
            "pipeline_review:\n  requried_approvals: 2\n",
            "2:3: unknown key 'requried_approvals' in pipeline_review (did you mean 'required_approvals'?)",
        ),
        (
            "colour: blue\n",
            "1:1: unknown key 'colour'; expected one of branch_protection, fork_secrets, pipeline_review",
        ),
        (
            "branch_protection:\n  branches:\n    - pattern: main\n      dismiss_stale_reviews: yes\n",
            "4:30: branch_protection.branches[0].dismiss_stale_reviews: expected true or false, "
            "got the string 'yes'",
        ),
        (
            "pipeline_review:\n  required_approvals: 1.5\n",
            "2:23: pipeline_review.required_approvals: expected a whole number, got the number 1.5",
        ),
        (
            "pipeline_review:\n  required_approvals: 0\n",
            "2:23: pipeline_review.required_approvals: 0 is less than the minimum, 1",
        ),
        (
            "branch_protection:\n  branches:\n    - pattern: main\n      required_approvals: 7\n",
            "4:27: branch_protection.branches[0].required_approvals: 7 is more than the maximum, 6",
        ),
        (
            "branch_protection:\n  branches:\n    - required_approvals: 2\n",
            "3:7: branch_protection.branches[0]: missing required key 'pattern'",
        ),
        (
            "branch_protection:\n  branches:\n    - pattern: 'release/[0-9'\n",
            "3:16: branch_protection.branches[0].pattern: 'release/[0-9' has a '[' at offset 8 "
            "that is never closed",
        ),
        (
            "fork_secrets:\n  environments:\n    prod:\n      allowed_refs: [refs/pull/*]\n",
            "4:22: fork_secrets.environments.prod.allowed_refs[0]: 'refs/pull/*' names a ref "
            "outside refs/heads/ and refs/tags/",
        ),
        (
            "pipeline_review:\n  paths: [scripts/, ok/**]\n",
            "2:11: pipeline_review.paths[0]: 'scripts/' ends with '/'; to match everything in a "
            "directory write 'scripts/**'",
        ),
        (
            "pipeline_review:\n  reviewers: {teams: [Security Team]}\n",
            "2:23: pipeline_review.reviewers.teams[0]: 'Security Team' is not a team slug "
            "(lowercase letters, digits, '-' and '_', such as 'platform-security')",
        ),
        (
            "pipeline_review:\n  approving_bots: [renovate]\n",
            "2:20: pipeline_review.approving_bots[0]: 'renovate' is not a bot account name such "
            "as 'renovate[bot]'",
        ),
        ("pipeline_review:\n  paths: [a/**, a/**]\n", "2:10: pipeline_review.paths: 'a/**' is listed twice"),
        (
            "branch_protection:\n  branches:\n    - pattern: main\n    - pattern: main\n",
            "4:16: branch_protection.branches[1]: pattern 'main' already has an entry at line 3; "
            "merge the two",
        ),
        (
            "fork_secrets: enforce\n",
            "1:15: fork_secrets: expected a mapping of keys, got the string 'enforce'",
        ),
        (
            "- branch_protection\n",
            "1:1: guard.yml must be a mapping of settings such as 'branch_protection:', not a list",
        ),
        (
            "locked: [pipeline_review]\n",
            "1:1: 'locked' is only allowed in the organisation's guard.yml (the root of its "
            ".github repository)",
        ),
        (
            "alerts: {readers: [security]}\n",
            "1:1: 'alerts' is only allowed in the organisation's guard.yml (the root of its "
            ".github repository)",
        ),
        ("branch_protection:\n  mode: [observe\n", "3:1: invalid YAML: did not find expected ',' or ']'"),
        (
            "branch_protection:\n\tmode: observe\n",
            "2:1: invalid YAML: found character that cannot start any token",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_line_and_column(source: str, expected: str) -> None:
    assert problems(source) == [f".github/guard.yml:{expected}"]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("fork_secrets.mode.value", "'fork_secrets.mode' is a single value; lock it as a whole"),
        ("branch_protection.branches.main", "'branch_protection.branches' is a list; lock it as a whole"),
        (
            "fork_secrets.colour",
            "'fork_secrets' has no key 'colour'; expected one of mode, fail_severity, cancel_method, "
            "environments, force_cancel_after, github_hosted_labels, self_hosted_labels, "
            "trusted_action_owners",
        ),
        (
            "policies",
            "'guard.yml' has no key 'policies'; expected one of branch_protection, fork_secrets, "
            "pipeline_review",
        ),
        ("alerts.readers", "'alerts' can only be set in the organisation file, so there is nothing to lock"),
    ],
)
def test_org_locks_must_name_something_a_repository_can_set(entry: str, expected: str) -> None:
    source = f"locked:\n  - pipeline_review\n  - {entry}\n"
    found = problems(source, Level.ORG, "guard.yml")
    assert found == [f"guard.yml:3:5: locked[1]: cannot lock {entry!r}: {expected}"]


def test_all_problems_in_a_file_are_reported_in_order() -> None:
    source = "pipeline_review:\n  mode: of\n  paths: [/x]\nfork_secrets:\n  mode: 3\n"
    assert [problem.split(":", 1)[1] for problem in problems(source)] == [
        "2:9: pipeline_review.mode: 'of' is not one of off, observe, enforce (did you mean 'off'?)",
        "3:11: pipeline_review.paths[0]: '/x' starts with '/'; paths are relative to the repository root: "
        "write 'x'",
        "5:9: fork_secrets.mode: expected a string, got the number 3",
    ]


@pytest.mark.parametrize("source", ["", "# only a comment\n", "branch_protection: {}\n"])
def test_empty_files_are_valid_and_set_nothing(source: str) -> None:
    parsed = parse(source, file=".github/guard.yml", level=Level.REPO)
    assert parsed.ok
    assert parsed.layer is not None
    assert parsed.layer.data in ({}, {"branch_protection": {}})


def test_an_absent_file_is_valid_and_gives_no_layer() -> None:
    parsed = parse(None, file=".github/guard.yml", level=Level.REPO)
    assert parsed.ok
    assert parsed.layer is None


def _alias_bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{n}: &{n} [{', '.join(['*' + p] * 10)}]" for p, n in itertools.pairwise("abcdefghij")]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (_alias_bomb(), "5:36: document expands to more than 100000 nodes (alias expansion or size limit)"),
        ("a: " + "[" * 500 + "]" * 500 + "\n", "1:67: nesting is deeper than 64 levels"),
        (
            "pipeline_review:\n  paths:\n" + "    - x/**\n" * 120_000,
            "1:1: file is 1320026 bytes; the limit is 1048576 bytes",
        ),
        (b"pipeline_review:\n  reviewers: {teams: [s\xe9curit\xe9]}\n", "2:24: file is not UTF-8: byte 0xe9"),
        ("fork_secrets:\n  mode: enforce\n  mode: off\n", "3:3: duplicate key 'mode'"),
        (
            "branch_protection: !!python/object/apply:os.system [id]\n",
            "1:20: tag tag:yaml.org,2002:python/object/apply:os.system is not allowed",
        ),
        (
            "fork_secrets: {mode: off}\n---\nfork_secrets: {mode: enforce}\n",
            "2:1: only one YAML document is allowed per file",
        ),
    ],
)
def test_hostile_yaml_is_refused_quickly_with_a_clear_error(source: str | bytes, expected: str) -> None:
    started = time.perf_counter()
    found = problems(source)
    assert time.perf_counter() - started < 2.0
    assert found == [f".github/guard.yml:{expected}"]


@pytest.mark.parametrize(("name", "level"), [("org-guard.yml", Level.ORG), ("repo-guard.yml", Level.REPO)])
def test_the_documented_example_files_validate(name: str, level: Level) -> None:
    source = (ROOT / "docs" / "examples" / name).read_bytes()
    assert problems(source, level, name) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "pipeline_review:\n  paths:\n" + "".join(f"    - p{i}/**\n" for i in range(201)),
            "3:5: pipeline_review.paths: has 201 entries; at most 200 are allowed",
        ),
        (
            "fork_secrets:\n  environments:\n" + "".join(f"    e{i}: {{}}\n" for i in range(201)),
            "3:5: fork_secrets.environments: has 201 entries; at most 200 are allowed",
        ),
    ],
)
def test_lists_and_mappings_are_bounded(source: str, expected: str) -> None:
    assert problems(source) == [f".github/guard.yml:{expected}"]


def test_a_file_full_of_errors_is_reported_in_bounded_time() -> None:
    users = "".join(f"      - -u{i}\n" for i in range(60_000))
    source = f"pipeline_review:\n  reviewers:\n    users:\n{users}"
    started = time.perf_counter()
    found = problems(source)
    assert time.perf_counter() - started < 2.0
    assert len(found) == 1001
    assert found[-1].endswith("stopped after 1000 errors; fix these and check again")


def test_long_values_are_refused_without_repeating_them() -> None:
    source = f"branch_protection:\n  branches:\n    - pattern: '{'[' * 300}'\n{'k' * 1000}: 1\n"
    assert problems(source) == [
        ".github/guard.yml:3:16: branch_protection.branches[0].pattern: is longer than 255 characters",
        f".github/guard.yml:4:1: unknown key '{'k' * 60}…'; expected one of branch_protection, fork_secrets, "
        "pipeline_review",
    ]
