"""What policies read: typed settings with the helpers they need, and a schema that documents every key."""

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from policies.config import defaults, resolve
from policies.config.schema import SECTIONS, Schema, kind

from .helpers import repo_layer


@pytest.mark.parametrize(
    ("path", "reviewed"),
    [
        (".github/workflows/release.yml", True),
        ("tools/publish/action.yml", True),
        (".github/guard.yml", True),
        ("CODEOWNERS", True),
        ("ci/Jenkinsfile", True),
        ("scripts/ci/deploy.sh", True),
        ("scripts/test.sh", False),
        ("src/app.py", False),
    ],
)
def test_pipeline_files_are_the_built_in_list_plus_configured_paths(path: str, reviewed: bool) -> None:
    config = resolve(None, repo_layer("pipeline_review: {paths: ['scripts/ci/**']}")).config
    assert config.pipeline_review.is_pipeline_file(path) is reviewed


@pytest.mark.parametrize(
    ("changed", "needed"),
    [
        ((".github/workflows/ci.yml",), 1),
        ((".github/workflows/ci.yml", ".github/guard.yml"), 2),
        (("CODEOWNERS",), 2),
    ],
)
def test_changes_to_guard_or_codeowners_files_need_more_approvals(
    changed: tuple[str, ...], needed: int
) -> None:
    assert defaults().pipeline_review.approvals_needed(changed) == needed


def test_the_larger_approval_count_applies() -> None:
    config = resolve(None, repo_layer("pipeline_review: {required_approvals: 3}")).config
    assert config.pipeline_review.approvals_needed(("CODEOWNERS",)) == 3


def test_every_branch_rule_that_matches_applies() -> None:
    repo = repo_layer("branch_protection:\n  branches: [{pattern: 'rel*'}, {pattern: 'release/*'}]\n")
    branch_protection = resolve(None, repo).config.branch_protection
    assert [rule.pattern for rule in branch_protection.rules_for("release/1.0", "main")] == ["release/*"]
    assert [rule.pattern for rule in branch_protection.rules_for("main", "main")] == ["~default"]


def test_the_section_schemas_are_valid_json_schema() -> None:
    for section in SECTIONS:
        Draft202012Validator.check_schema(section.schema)


def _keys(schema: Schema, path: str) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, sub in schema.get("properties", {}).items():
        found.append((f"{path}.{name}", sub))
        found += _keys(sub, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _keys(schema["additionalProperties"], f"{path}.<name>")
    if isinstance(schema.get("items"), dict):
        found += _keys(schema["items"], f"{path}[]")
    return found


ALL_KEYS = [key for section in SECTIONS for key in _keys(section.schema, section.name)]


@pytest.mark.parametrize(("key", "schema"), ALL_KEYS, ids=[key for key, _ in ALL_KEYS])
def test_every_key_has_a_description_and_a_default_unless_required(key: str, schema: dict[str, Any]) -> None:
    assert schema.get("description"), key
    parent_required = key.rsplit(".", 1)[-1] in ("pattern", "context")
    assert "default" in schema or parent_required or kind(schema).value == "object", key
