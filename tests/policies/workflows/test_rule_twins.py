"""Each rule flags its vulnerable fixture and stays quiet on the safe twin, which applies the rule's fix."""

from __future__ import annotations

import pytest

from policies.base import Severity
from policies.workflows import RULES, analyse
from tests.policies.workflows.helpers import DATA

EXPECTED = {
    "untrusted-checkout-exec": Severity.CRITICAL,
    "untrusted-checkout": Severity.MEDIUM,
    "approval-toctou": Severity.HIGH,
    "expression-injection": Severity.CRITICAL,
    "artifact-poisoning": Severity.CRITICAL,
    "untrusted-env-write": Severity.CRITICAL,
    "self-hosted-fork": Severity.HIGH,
    "secrets-inherit": Severity.MEDIUM,
    "secrets-tojson": Severity.MEDIUM,
    "secrets-outside-environment": Severity.LOW,
    "excessive-permissions": Severity.MEDIUM,
    "spoofable-actor-check": Severity.MEDIUM,
    "unpinned-action": Severity.LOW,
}
PATH = ".github/workflows/fixture.yml"


def _findings(rule: str, variant: str) -> list:
    content = (DATA / rule / f"{variant}.yml").read_bytes()
    return [f for _, f in analyse({PATH: content}).all() if f.rule == rule]


def test_every_fixture_rule_is_a_documented_rule() -> None:
    assert set(EXPECTED) <= set(RULES)
    assert {p.name for p in DATA.iterdir() if p.is_dir()} == set(EXPECTED)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_vulnerable_fixture_is_reported_with_evidence_and_a_fix(rule: str) -> None:
    found = _findings(rule, "vulnerable")
    assert found, f"{rule} missed its vulnerable fixture"
    worst = max(found, key=lambda f: f.severity)
    assert worst.severity == EXPECTED[rule]
    assert worst.evidence
    assert worst.evidence[0].path == PATH
    assert worst.evidence[0].line >= 1
    assert worst.fix
    assert worst.message


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_safe_twin_applying_the_fix_is_not_reported(rule: str) -> None:
    assert _findings(rule, "safe") == []


def test_unknown_runner_label_is_reported_at_medium_with_low_confidence() -> None:
    content = (
        (DATA / "self-hosted-fork" / "vulnerable.yml").read_text().replace("[self-hosted, gpu]", "gpu-box")
    )
    [finding] = [f for _, f in analyse({PATH: content}).all() if f.rule == "self-hosted-fork"]
    assert finding.severity is Severity.MEDIUM
    assert finding.confidence == "low"
