"""Evaluate one pull request for the review gate: read the live head, gather facts, decide.

The pull request's record (state namespace ``pipeline_review``) holds who pushed which heads, the last
verdict, which helpers already ran, and the facts cached for the current head.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard import review_facts
from guard.config_store import ConfigInvalid
from guard.engine import Context
from guard.errors import TRANSIENT_ERRORS
from guard.events import MergeGroup, Repository
from guard.github import GitHubError, NotFound
from guard.review_facts import Pull, Standings
from policies.base import Decision, Mode, as_json
from policies.checks import CheckAnnotation
from policies.pipeline_review.annotations import analysed_paths, annotate
from policies.pipeline_review.decide import NAMESPACE, Target, decide, failed, record_key
from policies.pipeline_review.facts import CommitFact, FileChange, Identity, PullFacts, Since
from policies.pipeline_review.merge_group import group_decision, judge_group
from policies.pipeline_review.settings import PipelineReviewSettings
from policies.pipeline_review.verdict import Verdict

MAX_HEADS_KEPT = 100


@dataclass(frozen=True)
class PullRef:
    """Which pull request to evaluate, and the repository's default branch (whose config is the base's
    unless the pull request targets another branch)."""

    repository: str
    number: int
    default_branch: str


def record_of(ctx: Context, ref: PullRef) -> dict[str, Any]:
    return dict(ctx.state.get(NAMESPACE, record_key(ref.repository, ref.number)) or {})


def with_push(record: Mapping[str, Any], head: str, pusher: str) -> dict[str, Any]:
    """The record once ``pusher`` is known to have pushed ``head``."""
    pushers = list(record.get("pushers") or [])
    heads = [h for h in record.get("heads") or [] if h != head][-(MAX_HEADS_KEPT - 1) :]
    return {**record, "pushers": sorted({*pushers, pusher}), "heads": [*heads, head]}


def evaluate(ctx: Context, ref: PullRef, record: Mapping[str, Any] | None = None) -> list[Decision]:
    """The decision for the pull request as GitHub has it now (nothing when closed or gone)."""
    try:
        pull = Pull.read(ctx.github, ref.repository, ref.number)
    except NotFound:
        return []
    if pull.state != "open":
        return []
    found = evaluate_pull(ctx, ref, pull, record_of(ctx, ref) if record is None else dict(record))
    return [] if found is None else [found]


def evaluate_pull(ctx: Context, ref: PullRef, pull: Pull, record: dict[str, Any]) -> Decision | None:
    """Decide for ``pull``; None when the policy is off for its base branch."""
    target = Target(ref.repository, pull.head_sha, pull.base_ref)
    try:
        config = ctx.configs.at_branch(ctx.github, ref.repository, pull.base_ref, ref.default_branch)
    except ConfigInvalid as exc:
        return failed(target, str(exc))
    settings = config.pipeline_review
    if settings.mode is Mode.OFF:
        return None
    record = {**record, "repository": ref.repository, "default_branch": ref.default_branch}
    try:
        facts, notes = gather(ctx, pull, settings, record)
    except TRANSIENT_ERRORS:
        raise
    except GitHubError as exc:
        return failed(target, f"GitHub answered {exc.status} while reading the pull request ({exc}).")
    return decide(facts, settings, notes, record)


def gather(
    ctx: Context, pull: Pull, settings: PipelineReviewSettings, record: dict[str, Any]
) -> tuple[PullFacts, tuple[CheckAnnotation, ...]]:
    """Facts for the live head; files, commits and annotations come from the record while it matches."""
    cache = dict(record.get("cache") or {})
    _refresh_files(ctx, pull, cache)
    if cache.get("commits_for") != pull.head_sha:
        commits = review_facts.commits(ctx.github, pull)
        cache.update(commits_for=pull.head_sha, commits=as_json(commits), since={})
    reviews = review_facts.reviews(ctx.github, pull)
    standings = Standings(ctx.github, ctx.state, ctx.clock()).of(
        pull.repository, review_facts.approvers(reviews), settings
    )
    since = _since(ctx, pull, reviews, cache)
    record["cache"] = cache
    facts = PullFacts(
        repository=pull.repository,
        number=pull.number,
        author=pull.author,
        base_ref=pull.base_ref,
        head_sha=pull.head_sha,
        files=tuple(FileChange(path, previous) for path, previous in cache["files"]),
        files_truncated=bool(cache["truncated"]),
        commits=tuple(_commit(item) for item in cache["commits"]),
        pushers=tuple(record.get("pushers") or ()),
        head_pusher_known=pull.head_sha in (record.get("heads") or ()),
        reviews=reviews,
        standings=standings,
        since=since,
    )
    return facts, tuple(CheckAnnotation(**item) for item in cache["notes"])


def _refresh_files(ctx: Context, pull: Pull, cache: dict[str, Any]) -> None:
    key = f"{pull.base_sha}...{pull.head_sha}"
    if cache.get("files_for") == key:
        return
    listed, truncated = review_facts.files(ctx.github, pull)
    found = review_facts.contents(ctx.github, pull.repository, analysed_paths(listed), pull.head_sha)
    notes = annotate(found, listed)
    cache.update(
        files_for=key,
        files=[[f.path, f.previous_path] for f in listed],
        truncated=truncated,
        notes=[as_json(note) for note in notes],
    )


def _since(ctx: Context, pull: Pull, reviews: tuple[Any, ...], cache: dict[str, Any]) -> dict[str, Since]:
    known: dict[str, Any] = dict(cache.get("since") or {})
    earlier = {r.commit_id for r in reviews if r.state == "approved" and r.commit_id != pull.head_sha}
    found = {}
    for commit_id in earlier:
        if commit_id not in known:
            since = review_facts.since(ctx.github, pull.repository, commit_id, pull.head_sha)
            known[commit_id] = {"paths": since.paths, "truncated": since.truncated}
        entry = known[commit_id]
        paths = entry["paths"]
        found[commit_id] = Since(None if paths is None else tuple(paths), bool(entry["truncated"]))
    cache["since"] = known
    return found


def _commit(item: Mapping[str, Any]) -> CommitFact:
    return CommitFact(
        sha=item["sha"],
        author=Identity(**item["author"]),
        committer=Identity(**item["committer"]),
        co_authors=tuple(Identity(**person) for person in item["co_authors"]),
    )


def merge_group(ctx: Context, repo: Repository, group: MergeGroup, number: int | None) -> list[Decision]:
    """The group's check (and the pull request's own, re-evaluated on the way)."""
    base = group.base_ref.removeprefix("refs/heads/")
    try:
        settings = ctx.configs.at_branch(
            ctx.github, repo.full_name, base, repo.default_branch
        ).pipeline_review
    except ConfigInvalid as exc:
        return [failed(Target(repo.full_name, group.head_sha, base), str(exc))]
    if settings.mode is Mode.OFF:
        return []
    ref = PullRef(repo.full_name, number or 0, repo.default_branch)
    pull = Pull.read(ctx.github, repo.full_name, number) if number else None
    decision = evaluate_pull(ctx, ref, pull, record_of(ctx, ref)) if pull else None
    verdict = decision.facts.get("verdict") if decision else None
    since = review_facts.since(ctx.github, repo.full_name, group.base_sha, group.head_sha)
    paths = None if since.truncated else since.paths
    judged = judge_group(number, verdict if isinstance(verdict, Verdict) else None, paths, settings)
    group_check = group_decision(repo.full_name, group.head_sha, number, judged)
    return [group_check, *([decision] if decision else [])]
