"""Inline suppressions are honoured with a reason and always reported."""

from __future__ import annotations

from tests.policies.workflows.helpers import findings, run

VULNERABLE = """\
on: issues
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.issue.title }}"  # guard: ignore[expression-injection] %s
"""


def test_suppression_with_a_reason_marks_the_finding_and_keeps_it() -> None:
    analysis = run(VULNERABLE % "the job has no secrets; title only logged")
    [finding] = findings(analysis, "expression-injection")
    assert finding.suppressed == "the job has no secrets; title only logged"
    assert not analysis.blocking()


def test_suppression_on_the_line_above_applies() -> None:
    text = VULNERABLE.replace(
        '      - run: echo "${{ github.event.issue.title }}"  # guard: ignore[expression-injection] %s',
        "      # guard: ignore[expression-injection] reviewed in #12\n"
        '      - run: echo "${{ github.event.issue.title }}"',
    )
    [finding] = findings(run(text), "expression-injection")
    assert finding.suppressed == "reviewed in #12"


def test_suppression_without_a_reason_is_not_honoured_and_is_reported() -> None:
    analysis = run(VULNERABLE % "")
    [finding] = findings(analysis, "expression-injection")
    assert finding.suppressed is None
    [complaint] = findings(analysis, "suppression-without-reason")
    assert complaint.evidence[0].line == 6


def test_suppression_names_the_rule_it_silences() -> None:
    analysis = run(VULNERABLE.replace("expression-injection", "unpinned-action") % "not this one")
    assert findings(analysis, "expression-injection")[0].suppressed is None
