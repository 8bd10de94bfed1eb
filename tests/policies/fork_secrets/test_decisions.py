"""The pure decisions: runner labels, the gate's refs, allowance refusals, the comment command, the audit."""

from __future__ import annotations

import dataclasses

import pytest

from policies.base import Mode, RaiseAlert
from policies.config import defaults
from policies.fork_secrets.actions import ReviewDeployment
from policies.fork_secrets.allowance import AllowRequest, parse_command, refusal
from policies.fork_secrets.audit import ActionsSettings, weaknesses
from policies.fork_secrets.cancel import self_hosted_label
from policies.fork_secrets.gate import GateInputs, decide_deployment, full_ref
from policies.fork_secrets.report import PullInfo, code
from policies.fork_secrets.settings import Environment
from tests.policies.fork_secrets.test_origin import RUN, TRUSTED

SETTINGS = defaults().fork_secrets


@pytest.mark.parametrize(
    ("labels", "found"),
    [
        (("ubuntu-latest",), None),
        (("windows-2022", "macos-14"), None),
        (("self-hosted", "linux"), "self-hosted"),
        (("gpu-box",), "gpu-box"),
        (("ubuntu-latest", "big-runner"), "big-runner"),
    ],
)
def test_a_label_that_is_not_github_hosted_means_a_self_hosted_runner(
    labels: tuple[str, ...], found: str | None
) -> None:
    assert self_hosted_label(labels, SETTINGS) == found


def test_configured_labels_say_which_are_hosted_and_which_are_self_hosted() -> None:
    settings = dataclasses.replace(
        SETTINGS, github_hosted_labels=("big-*",), self_hosted_labels=("ubuntu-gpu",)
    )
    assert self_hosted_label(("big-runner",), settings) is None
    assert self_hosted_label(("ubuntu-gpu",), settings) == "ubuntu-gpu"


def test_refs_are_compared_in_full() -> None:
    assert full_ref("main") == "refs/heads/main"
    assert full_ref("refs/tags/v1") == "refs/tags/v1"
    assert full_ref(None) is None


def _gate(ref: str | None, refs: tuple[str, ...] = ("main",), mode: Mode = Mode.ENFORCE) -> str | None:
    settings = dataclasses.replace(
        SETTINGS, mode=mode, environments={"production": Environment("production", refs)}
    )
    inputs = GateInputs("production", ref, RUN, TRUSTED, settings, "main")
    [review] = [a for a in decide_deployment(inputs).actions if isinstance(a, ReviewDeployment)]
    return "approved" if review.approve else "rejected"


def test_a_trusted_run_deploys_only_from_allowed_refs() -> None:
    assert _gate("refs/heads/main") == "approved"
    assert _gate("refs/heads/topic") == "rejected"
    assert _gate(None) == "rejected"
    assert _gate("refs/tags/v1.2", refs=("refs/tags/v*",)) == "approved"
    assert _gate("refs/heads/topic", mode=Mode.OBSERVE) == "approved"
    assert _gate("refs/heads/topic", mode=Mode.OFF) == "approved"


def test_a_rejection_raises_an_alert_and_an_approval_does_not() -> None:
    settings = dataclasses.replace(
        SETTINGS, environments={"production": Environment("production", ("main",))}
    )
    rejected = decide_deployment(GateInputs("production", "refs/heads/topic", RUN, TRUSTED, settings, "main"))
    approved = decide_deployment(GateInputs("production", "refs/heads/main", RUN, TRUSTED, settings, "main"))
    assert any(isinstance(a, RaiseAlert) for a in rejected.actions)
    assert not any(isinstance(a, RaiseAlert) for a in approved.actions)


PULL = PullInfo(number=4, author="mallory", head_sha="a" * 40, open=True)


def _request(**changes: object) -> AllowRequest:
    values: dict[str, object] = {
        "repository": "acme/widgets",
        "pull": PULL,
        "sha": "a" * 40,
        "by": "maintainer",
        "by_can_write": True,
        "by_pushed": False,
        "via": "comment",
        "now": 0.0,
    } | changes
    return AllowRequest(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({}, None),
        ({"sha": ""}, "the comment names no commit"),
        ({"by_can_write": False}, "maintainer cannot write to acme/widgets"),
        ({"by": "Mallory"}, "Mallory opened pull request #4"),
        ({"by_pushed": True}, "maintainer pushed commits to pull request #4"),
        ({"pull": PullInfo(4, "mallory", "a" * 40, open=False)}, "pull request #4 is closed"),
        ({"sha": "b" * 40}, f"{'b' * 40} is not the head of pull request #4"),
    ],
)
def test_who_may_allow_a_run(changes: dict[str, object], why: str | None) -> None:
    found = refusal(_request(**changes))
    assert (found is None) if why is None else (found is not None and found.startswith(why))


@pytest.mark.parametrize(
    ("body", "sha"),
    [
        ("/guard allow ABC1234", "abc1234"),
        ("/guard allow", ""),
        ("  /guard   allow  abc1234 please\nthanks", "abc1234"),
        ("please /guard allow abc", None),
        ("/guard deny abc", None),
        ("", None),
    ],
)
def test_the_allow_command(body: str, sha: str | None) -> None:
    assert parse_command(body) == sha


def test_inline_code_cannot_break_out() -> None:
    assert code("a`b\n## c") == "`a'b ## c`"


def test_the_audit_reports_what_github_did_not_answer_and_ignores_private_settings_of_public_repos() -> None:
    found = weaknesses(
        ActionsSettings(
            "acme/widgets",
            "public",
            approval_policy="all_external_contributors",
            private_forks={"run_workflows_from_fork_pull_requests": True, "send_secrets_and_variables": True},
            default_permissions=None,
            can_approve_reviews=None,
            unreadable=("the default token permissions",),
        )
    )
    assert [w.rule for w in found] == ["setting-unreadable"]
