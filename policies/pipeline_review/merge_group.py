"""The review check on a merge queue's group: a real verdict for the group's head, never a blanket pass."""

from __future__ import annotations

from policies.base import Decision
from policies.checks import PublishCheckRun
from policies.markdown import code
from policies.pipeline_review.decide import CHECK_NAME, POLICY, REEVALUATE
from policies.pipeline_review.settings import PipelineReviewSettings
from policies.pipeline_review.verdict import SUCCESS, Verdict


def judge_group(
    number: int | None,
    verdict: Verdict | None,
    group_paths: tuple[str, ...] | None,
    settings: PipelineReviewSettings,
) -> tuple[str, str, str]:
    """(conclusion, title, summary) for a merge group holding pull request ``number``."""
    if number is None:
        return "failure", "Unknown merge group", "The group's branch does not name a pull request."
    if verdict is None:
        return (
            "failure",
            f"Could not evaluate #{number}",
            f"The guard could not evaluate #{number}; see its check.",
        )
    if group_paths is None:
        return (
            "failure",
            "Could not compare the merge group",
            "GitHub could not compare the group with its base.",
        )
    mine = {p for f in verdict.pipeline_files for p in (f.path, f.previous_path) if p}
    extra = sorted(p for p in group_paths if settings.is_pipeline_file(p) and p not in mine)
    if extra:
        shown = ", ".join(code(p) for p in extra[:10])
        return (
            "action_required",
            "The merge group changes other pipeline files",
            (
                f"The group changes pipeline files that #{number} does not: {shown}. Its approval cannot "
                "cover them."
            ),
        )
    if verdict.conclusion == SUCCESS:
        return (
            SUCCESS,
            f"#{number} is approved",
            f"#{number}'s review check passed for its head; the group adds nothing.",
        )
    return (
        verdict.conclusion,
        f"#{number} is not approved",
        (f"#{number} changes pipeline files and its independent approval is missing; see its review check."),
    )


def group_decision(
    repository: str, head_sha: str, number: int | None, judged: tuple[str, str, str]
) -> Decision:
    conclusion, title, summary = judged
    check = PublishCheckRun(
        repository=repository,
        head_sha=head_sha,
        name=CHECK_NAME,
        conclusion=conclusion,
        title=title,
        summary=summary,
        buttons=(REEVALUATE,),
        external_id=f"merge-group:{number}" if number else "merge-group",
    )
    return Decision(POLICY, f"merge group {head_sha[:12]}: {conclusion} ({title})", actions=(check,))
