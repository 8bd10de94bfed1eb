"""The outsider-written context list is generated from webhook schemas, and the analyser uses it."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from policies.workflows.contexts import untrusted

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "tests" / "data" / "webhook-schemas-trimmed.json"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "generate", ROOT / "scripts" / "generate_untrusted_contexts.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_keeps_authored_text_and_skips_maintainer_and_machine_fields(tmp_path: Path) -> None:
    output = tmp_path / "contexts.json"
    assert _generator().main(["generate", str(SCHEMAS), str(output)]) == 0
    contexts = json.loads(output.read_text())["contexts"]
    assert contexts["github.event.comment.body"] == ["issue_comment"]
    assert {
        "github.event.issue.title",
        "github.event.pull_request.head.ref",
        "github.event.pull_request.head.repo.description",
    } <= set(contexts)
    for trusted in (
        "github.event.pull_request.base.ref",
        "github.event.repository.description",
        "github.event.pull_request.labels.*.name",
        "github.event.pull_request.head.sha",
        "github.event.comment.author_association",
    ):
        assert trusted not in contexts


def test_generator_output_is_reproducible(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    generator = _generator()
    generator.main(["generate", str(SCHEMAS), str(first)])
    generator.main(["generate", str(SCHEMAS), str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_committed_list_covers_the_documented_attacker_fields() -> None:
    for path in (
        "github.event.issue.title",
        "github.event.comment.body",
        "github.event.review.body",
        "github.event.pull_request.head.label",
        "github.event.workflow_run.head_branch",
        "github.event.workflow_run.display_title",
        "github.event.head_commit.author.email",
        "github.event.commits.0.message",
        "github.event.discussion.body",
        "github.head_ref",
        "github.event.pages.1.page_name",
        "github.event.changes.title.from",
    ):
        assert untrusted(tuple(path.split("."))) is not None, path


def test_objects_holding_attacker_text_are_untrusted_as_a_whole() -> None:
    assert untrusted(("github", "event", "pull_request")) is not None
    assert untrusted(("github", "event")) is not None
    assert untrusted(("github", "event", "pull_request", "head", "sha")) is None
    assert untrusted(("github", "event", "repository", "name")) is None
