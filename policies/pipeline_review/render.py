"""The words of the "Pipeline Guard / review" check run: what changed, who may approve, what counted."""

from __future__ import annotations

from collections.abc import Iterable

from policies.markdown import code
from policies.pipeline_review.settings import PipelineReviewSettings
from policies.pipeline_review.verdict import SUCCESS, Verdict

MAX_FILES_SHOWN = 50


def title(verdict: Verdict) -> str:
    if not verdict.touches_pipeline:
        return "No pipeline files changed"
    counted = len(verdict.counted)
    if verdict.conclusion == SUCCESS:
        return f"Approved by {_people(a.login for a in verdict.counted)} ({counted} of {verdict.needed})"
    if verdict.blockers:
        return "Pipeline change: no approval can count yet"
    missing = verdict.needed - counted
    return f"Pipeline change needs {missing} more approval{'s' if missing != 1 else ''} from a reviewer"


def summary(verdict: Verdict, settings: PipelineReviewSettings, head_sha: str, base_ref: str) -> str:
    where = f"Evaluated for head `{head_sha[:12]}` into {code(base_ref)}"
    if not verdict.touches_pipeline:
        return (
            f"{where}. No file this pull request changes builds, tests or deploys code, so no extra review."
        )
    parts = [
        f"{where}, with the reviewer settings of {code(base_ref)}.",
        _files(verdict),
        _who_may_approve(verdict, settings),
        _approvals(verdict),
    ]
    if verdict.blockers:
        parts.append(
            "**Blocking, whatever the approvals:**\n" + "\n".join(f"- {b}" for b in verdict.blockers)
        )
    if verdict.changes_requested:
        parts.append(f"**Changes requested by:** {_people(verdict.changes_requested)}.")
    if verdict.conclusion != SUCCESS:
        parts.append(_next_step(verdict))
    return "\n\n".join(parts)


def _files(verdict: Verdict) -> str:
    rows = [
        f"| {code(f.path)}{_renamed(f.previous_path)} | matches {code(f.pattern)} |"
        for f in verdict.pipeline_files[:MAX_FILES_SHOWN]
    ]
    more = len(verdict.pipeline_files) - MAX_FILES_SHOWN
    if more > 0:
        rows.append(f"| … and {more} more | |")
    text = (
        f"**Pipeline files changed ({len(verdict.pipeline_files)}).** They decide how code is built, tested "
        "or deployed, so the change needs an approval from someone who did not write it.\n\n"
        "| File | Why |\n|---|---|\n" + "\n".join(rows)
    )
    if verdict.files_truncated:
        text += (
            "\n\nGitHub lists only the first 3,000 files of this pull request, so the guard treats it as "
            "changing pipeline files, including the guard's configuration."
        )
    return text


def _renamed(previous: str | None) -> str:
    return f" (renamed from {code(previous)})" if previous else ""


def _who_may_approve(verdict: Verdict, settings: PipelineReviewSettings) -> str:
    reviewers = settings.reviewers
    named = [f"members of team {code(t)}" for t in reviewers.teams] + [f"@{u}" for u in reviewers.users]
    who = " or ".join(named) if named else "anyone"
    bots = f" Bots that count: {_people(settings.approving_bots)}." if settings.approving_bots else ""
    return (
        f"**Who can approve:** {who} with write access — {verdict.needed} approval"
        f"{'s' if verdict.needed != 1 else ''} needed on this head. Never counted: the author, anyone who "
        f"authored, committed or co-authored a commit here, anyone who pushed to it, and bots.{bots}"
    )


def _approvals(verdict: Verdict) -> str:
    counted = [f"- @{a.login}: {a.reason}" for a in verdict.approvals if a.counted]
    ignored = [f"- @{a.login}: {a.reason}" for a in verdict.approvals if not a.counted]
    lines = [f"**Approvals that count ({len(counted)} of {verdict.needed}):**"]
    lines += counted or ["- none yet"]
    if ignored:
        lines += ["", "**Approvals that do not count:**", *ignored]
    return "\n".join(lines)


def _next_step(verdict: Verdict) -> str:
    if verdict.blockers:
        return (
            "**What to do:** fix what is listed as blocking (for unlinked commits: rewrite them with an "
            "email linked to a GitHub account, such as the GitHub no-reply address), then push."
        )
    return (
        "**What to do:** ask one of the reviewers above to review and approve the current head. An approval "
        "stays valid across later pushes only while those pushes change no pipeline file."
    )


def failure_summary(reason: str) -> str:
    """The check run text when the guard could not evaluate: it fails closed and says why."""
    return (
        f"The guard could not evaluate this pull request: {reason}\n\n"
        "Until it can, this check fails closed. It re-evaluates on the next push or review, on "
        "**Re-evaluate**, and in its hourly sweep."
    )


def _people(logins: Iterable[str]) -> str:
    return ", ".join(f"@{login}" for login in logins)
