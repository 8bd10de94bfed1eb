"""``guard scan``: output formats, severity threshold and exit codes, suppressions, directory walking."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from guard.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
VULNERABLE = (DATA / "workflows" / "untrusted-checkout-exec" / "vulnerable.yml").read_text()
SAFE = (DATA / "workflows" / "untrusted-checkout-exec" / "safe.yml").read_text()
INJECTION = (DATA / "workflows" / "expression-injection" / "vulnerable.yml").read_text()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return workflows


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["scan", *args])
    return code, capsys.readouterr().out


def test_text_output_names_file_line_column_severity_and_rule(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "test.yml").write_text(VULNERABLE)
    code, out = scan(capsys, ".")
    assert code == 1
    pattern = re.compile(r"^\.github/workflows/test\.yml:8:9: critical untrusted-checkout-exec: job 'test' ")
    assert any(pattern.match(line) for line in out.splitlines())
    assert "    fix: Do not run a pull request's code" in out
    assert out.rstrip().endswith("0 suppressed; 0 not analysable")


def test_safe_workflow_exits_zero_below_the_threshold(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "test.yml").write_text(SAFE)
    assert scan(capsys, ".", "--min-severity", "medium")[0] == 0
    code, out = scan(capsys, ".", "--min-severity", "low")
    assert code == 1
    assert "low secrets-outside-environment" in out


def test_min_severity_hides_lower_findings(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "test.yml").write_text(VULNERABLE)
    _, out = scan(capsys, ".", "--min-severity", "critical")
    assert "secrets-outside-environment" not in out
    assert "untrusted-checkout-exec" in out


def test_unknown_severity_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", ".", "--min-severity", "severe"])
    assert exit_info.value.code == 2
    assert "unknown severity 'severe'" in capsys.readouterr().err


def test_missing_path_exits_two(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "nowhere"]) == 2
    assert "no such file or directory: nowhere" in capsys.readouterr().err


def test_json_output_lists_files_and_findings(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "a.yml").write_text(VULNERABLE)
    (repo / "b.yml").write_text(SAFE)
    code, out = scan(capsys, ".", "--format", "json", "--min-severity", "high")
    document = json.loads(out)
    assert code == 1
    files = {f["path"]: f for f in document["files"]}
    assert set(files) == {".github/workflows/a.yml", ".github/workflows/b.yml"}
    [finding] = files[".github/workflows/a.yml"]["findings"]
    assert finding["rule"] == "untrusted-checkout-exec"
    assert finding["severity"] == "critical"
    assert finding["evidence"][0]["line"] == 8
    assert finding["fix"]
    assert files[".github/workflows/b.yml"]["findings"] == []


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "a.yml").write_text(VULNERABLE)
    (repo / "b.yml").write_text(
        INJECTION.replace(
            'echo "New issue: ${{ github.event.issue.title }}"',
            'echo "${{ github.event.issue.title }}"  '
            "# guard: ignore[expression-injection] log only, no secrets",
        )
    )
    (repo / "broken.yml").write_text("on: push\njobs: [\n")
    code, out = scan(capsys, ".", "--format", "sarif", "--min-severity", "info")
    document = json.loads(out)
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    results = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r
        for r in run["results"]
    }
    exec_result = results[("untrusted-checkout-exec", ".github/workflows/a.yml")]
    assert exec_result["level"] == "error"
    assert exec_result["properties"]["security-severity"] == "9.5"
    assert exec_result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert exec_result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 11
    suppressed = results[("expression-injection", ".github/workflows/b.yml")]
    assert suppressed["suppressions"] == [{"kind": "inSource", "justification": "log only, no secrets"}]
    assert ("invalid-workflow", ".github/workflows/broken.yml") in results
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    assert code == 1


def test_suppressed_findings_are_shown_and_do_not_fail_the_scan(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "b.yml").write_text(
        INJECTION.replace(
            'echo "New issue: ${{ github.event.issue.title }}"',
            'echo "${{ github.event.issue.title }}"  # guard: ignore[expression-injection] log only',
        )
    )
    code, out = scan(capsys, ".", "--min-severity", "high")
    assert code == 0
    assert "critical expression-injection" in out
    assert "[suppressed: log only]" in out
    assert "1 suppressed" in out


def test_local_composite_actions_are_followed_from_the_repository_root(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    action = repo.parent / "actions" / "notify"
    action.mkdir(parents=True)
    (action / "action.yml").write_text(
        "inputs:\n  text: {}\nruns:\n  using: composite\n  steps:\n"
        '    - shell: bash\n      run: echo "${{ inputs.text }}"\n'
    )
    (repo / "notify.yml").write_text(
        "on: issue_comment\njobs:\n  n:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - uses: ./.github/actions/notify\n"
        "        with:\n          text: ${{ github.event.comment.body }}\n"
    )
    code, out = scan(capsys, ".github/workflows/notify.yml", ".github/actions", "--min-severity", "critical")
    assert code == 1
    assert ".github/workflows/notify.yml:7:15: critical expression-injection" in out
    assert "    .github/actions/notify/action.yml:7: run: echo" in out


def test_unparseable_file_is_reported_not_skipped(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "broken.yaml").write_bytes(b"on: push\njobs:\n  a: \xff\n")
    code, out = scan(capsys, ".")
    assert code == 1
    assert ".github/workflows/broken.yaml:3:6: high invalid-workflow: not analysed: file is not UTF-8" in out


def test_output_file_receives_the_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "a.yml").write_text(SAFE)
    target = repo.parent.parent / "report.sarif"
    code, out = scan(capsys, ".", "--format", "sarif", "-o", str(target))
    assert out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"
    assert code == 1


def test_files_over_the_size_limit_are_refused_without_being_read(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "huge.yml").write_bytes(b"on: push\n" + b"#" * (3 * 1024 * 1024))
    code, out = scan(capsys, ".")
    assert code == 1
    assert ".github/workflows/huge.yml:1:1: high invalid-workflow: not analysed: file is 3145737 bytes" in out
