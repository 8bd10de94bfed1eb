"""Files that cannot be analysed are reported, never skipped, and fail closed."""

from __future__ import annotations

from policies.workflows import analyse, is_dangerous

PATH = ".github/workflows/x.yml"


def _only_finding(content: bytes | str) -> tuple[str, str]:
    analysis = analyse({PATH: content})
    [finding] = analysis.findings[PATH]
    assert PATH in analysis.errors
    return finding.rule, finding.message


def test_alias_bomb_is_refused_with_a_clear_error() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    rule, message = _only_finding("\n".join(lines) + "\njobs: {}\n")
    assert rule == "invalid-workflow"
    assert "more than" in message
    assert "nodes" in message


def test_deep_nesting_is_refused() -> None:
    rule, message = _only_finding("jobs: " + "[" * 200 + "]" * 200 + "\n")
    assert rule == "invalid-workflow"
    assert "nesting is deeper" in message


def test_files_over_one_mebibyte_are_refused() -> None:
    rule, message = _only_finding(b"jobs: {}\n# " + b"x" * (1024 * 1024))
    assert rule == "invalid-workflow"
    assert "limit is 1048576 bytes" in message


def test_not_a_workflow_shape_is_reported_with_its_position() -> None:
    analysis = analyse({PATH: "on: push\njobs:\n  build: [1, 2]\n"})
    [finding] = analysis.findings[PATH]
    assert finding.rule == "invalid-workflow"
    assert (finding.evidence[0].line, finding.evidence[0].column) == (3, 10)


def test_unanalysable_workflow_counts_as_dangerous() -> None:
    assert is_dangerous(b"on: push\njobs: [\n")
    assert not is_dangerous(
        b"on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n"
    )


def test_anchors_and_aliases_within_bounds_are_analysed() -> None:
    text = """\
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - &checkout
        uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci
  again:
    runs-on: ubuntu-latest
    steps:
      - *checkout
      - run: make
"""
    rules = [f.rule for f in analyse({PATH: text}).findings[PATH]]
    assert rules.count("untrusted-checkout-exec") == 2


def test_reference_chains_too_deep_to_follow_are_reported_not_crashed() -> None:
    env = "\n".join(f"  V{i}: ${{{{ env.V{i + 1} }}}}" for i in range(3000))
    text = f"on: issues\nenv:\n{env}\n  V3000: ${{{{ github.event.issue.title }}}}\njobs:\n  a:\n"
    text += "    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ env.V0 }}\n"
    analysis = analyse({PATH: text})
    rules = {f.rule for f in analysis.findings[PATH]}
    assert rules == {"invalid-workflow"}
    assert PATH in analysis.errors
