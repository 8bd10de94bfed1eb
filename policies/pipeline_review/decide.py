"""The review gate's decision for one pull request head: the check run, its helpers, and what to remember."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.base import AlertSpec, Decision, Mode, RaiseAlert, SaveState, Severity
from policies.branch_protection.settings import GUARD_CHECK
from policies.checks import CheckAnnotation, CheckButton, PublishCheckRun
from policies.pipeline_review import render
from policies.pipeline_review.actions import LABEL, AddLabels, RequestReviews
from policies.pipeline_review.facts import PullFacts
from policies.pipeline_review.settings import PipelineReviewSettings
from policies.pipeline_review.verdict import SUCCESS, Verdict, evaluate

POLICY = "pipeline_review"
CHECK_NAME = GUARD_CHECK
NAMESPACE = "pipeline_review"
REEVALUATE = CheckButton("Re-evaluate", "Evaluate the review state again", "reevaluate")


@dataclass(frozen=True)
class Target:
    """Where the verdict is shown: the commit and the base branch it was computed for."""

    repository: str
    head_sha: str
    base_ref: str


def record_key(repository: str, number: int) -> str:
    return f"{repository.lower()}#{number}"


def decide(
    facts: PullFacts,
    settings: PipelineReviewSettings,
    notes: tuple[CheckAnnotation, ...],
    record: Mapping[str, Any],
) -> Decision:
    """Evaluate the head, publish the check, ask for reviews and label once, and remember the verdict."""
    verdict = evaluate(facts, settings)
    target = Target(facts.repository, facts.head_sha, facts.base_ref)
    check = publish(verdict, settings, target, notes)
    actions: list[Any] = [check, *_helpers(verdict, settings, facts, record)]
    remembered = {
        **record,
        "head": facts.head_sha,
        "base": facts.base_ref,
        "conclusion": verdict.conclusion,
        "touches_pipeline": verdict.touches_pipeline,
        "requested": bool(record.get("requested")) or any(isinstance(a, RequestReviews) for a in actions),
        "labelled": bool(record.get("labelled")) or any(isinstance(a, AddLabels) for a in actions),
    }
    actions.append(SaveState(NAMESPACE, record_key(facts.repository, facts.number), remembered))
    summary = f"#{facts.number} at {facts.head_sha[:12]}: {verdict.conclusion} ({render.title(verdict)})"
    return Decision(POLICY, summary, actions=tuple(actions), facts={"verdict": verdict})


def publish(
    verdict: Verdict,
    settings: PipelineReviewSettings,
    target: Target,
    notes: tuple[CheckAnnotation, ...] = (),
) -> PublishCheckRun:
    return PublishCheckRun(
        repository=target.repository,
        head_sha=target.head_sha,
        name=CHECK_NAME,
        conclusion=verdict.conclusion,
        title=render.title(verdict),
        summary=render.summary(verdict, settings, target.head_sha, target.base_ref),
        annotations=notes,
        buttons=(REEVALUATE,),
        external_id=f"base:{target.base_ref}",
    )


def failed(target: Target, reason: str) -> Decision:
    """Fail closed when the guard cannot evaluate: a failing check that says why."""
    check = PublishCheckRun(
        repository=target.repository,
        head_sha=target.head_sha,
        name=CHECK_NAME,
        conclusion="failure",
        title="Could not evaluate the review state",
        summary=render.failure_summary(reason),
        buttons=(REEVALUATE,),
        external_id=f"base:{target.base_ref}",
    )
    return Decision(POLICY, f"not evaluated at {target.head_sha[:12]}: {reason}", actions=(check,))


def _helpers(
    verdict: Verdict, settings: PipelineReviewSettings, facts: PullFacts, record: Mapping[str, Any]
) -> list[Any]:
    if verdict.conclusion == SUCCESS or not verdict.touches_pipeline or settings.mode is not Mode.ENFORCE:
        return []
    helpers: list[Any] = []
    if not record.get("labelled"):
        helpers.append(AddLabels(facts.repository, facts.number, (LABEL,)))
    teams = settings.reviewers.teams
    users = () if teams else tuple(u for u in settings.reviewers.users if u.lower() != facts.author.lower())
    if not record.get("requested") and (teams or users):
        helpers.append(RequestReviews(facts.repository, facts.number, teams, users))
    return helpers


def bypass_alert(repository: str, number: int, merged_by: str | None, conclusion: str) -> RaiseAlert:
    """A pull request merged while its review check was not green: someone bypassed the gate."""
    who = f"@{merged_by}" if merged_by else "someone"
    return RaiseAlert(
        AlertSpec(
            severity=Severity.CRITICAL,
            policy=POLICY,
            rule="merged-without-review",
            title=f"{repository}#{number} was merged by {who} while {CHECK_NAME} was {conclusion}",
            details=(
                f"Pull request {repository}#{number} changes pipeline files and was merged by {who} before "
                f"an independent approval of its head counted; the check was `{conclusion}`. An admin or "
                "bypass merge skips the gate: review what the change does to the pipeline, and consider "
                "requiring the check with no bypass for admins."
            ),
            repository=repository,
            subject=f"pull/{number}",
            actor=merged_by,
            action_taken="alerted",
        )
    )
