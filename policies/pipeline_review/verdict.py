"""The review gate's verdict: does a pull request change pipeline files, and is it independently approved?"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from policies.base import Mode
from policies.markdown import code
from policies.patterns import match_path
from policies.pipeline_review.facts import PullFacts, ReviewFact, latest_reviews
from policies.pipeline_review.settings import CONFIG_PATHS, PipelineReviewSettings

SUCCESS, ACTION_REQUIRED, NEUTRAL = "success", "action_required", "neutral"
WRITE_ROLES = frozenset({"write", "maintain", "admin"})
WEB_FLOW = "web-flow"  # GitHub's own committer for commits made on github.com; never a reviewer


@dataclass(frozen=True)
class PipelineFile:
    """A changed file that counts as a pipeline file, and the pattern it matched."""

    path: str
    pattern: str
    previous_path: str | None = None


@dataclass(frozen=True)
class Approval:
    """One user's latest approval and whether it counts; ``reason`` says why not (or how it carried)."""

    login: str
    commit_id: str
    counted: bool
    reason: str


@dataclass(frozen=True)
class Verdict:
    """What the check run shows; ``blockers`` fail the gate whatever the approvals."""

    conclusion: str
    pipeline_files: tuple[PipelineFile, ...]
    needed: int
    approvals: tuple[Approval, ...]
    changes_requested: tuple[str, ...]
    blockers: tuple[str, ...]
    files_truncated: bool

    @property
    def touches_pipeline(self) -> bool:
        return bool(self.pipeline_files) or self.files_truncated

    @property
    def counted(self) -> tuple[Approval, ...]:
        return tuple(a for a in self.approvals if a.counted)

    @property
    def approved(self) -> bool:
        return not self.touches_pipeline or (not self.blockers and len(self.counted) >= self.needed)


def pipeline_files(facts: PullFacts, settings: PipelineReviewSettings) -> tuple[PipelineFile, ...]:
    """The changed files matching a pipeline pattern, on the new or the old name of a rename."""
    found = []
    for change in facts.files:
        pattern = next((p for p in settings.all_paths for path in change.paths if match_path(p, path)), None)
        if pattern is not None:
            found.append(PipelineFile(change.path, pattern, change.previous_path))
    return tuple(found)


def evaluate(facts: PullFacts, settings: PipelineReviewSettings) -> Verdict:
    """The verdict for the pull request's head under ``settings`` (from its base branch)."""
    files = pipeline_files(facts, settings)
    touched = tuple(path for f in files for path in (f.path, f.previous_path) if path)
    needed = settings.approvals_needed(touched)
    if facts.files_truncated:
        needed = max(settings.required_approvals, settings.config_change_approvals)
    latest = latest_reviews(facts.reviews)
    approvals = tuple(
        _judge(review, facts, settings) for review in latest.values() if review.state == "approved"
    )
    verdict = Verdict(
        conclusion=SUCCESS,
        pipeline_files=files,
        needed=needed,
        approvals=approvals,
        changes_requested=tuple(r.login for r in latest.values() if r.state == "changes_requested"),
        blockers=tuple(_blockers(facts)),
        files_truncated=facts.files_truncated,
    )
    if verdict.approved:
        return verdict
    failing = NEUTRAL if settings.mode is Mode.OBSERVE else ACTION_REQUIRED
    return replace(verdict, conclusion=failing)


def _blockers(facts: PullFacts) -> Iterator[str]:
    """Reasons no approval can count: people the guard cannot identify, history it cannot see."""
    for commit in facts.commits:
        people = [("author", commit.author), ("committer", commit.committer)]
        people += [("co-author", person) for person in commit.co_authors]
        for part, person in people:
            if person.login is None:
                yield (
                    f"the {part} of commit `{commit.sha[:12]}`, {person.shown()}, is not linked to a GitHub "
                    "account, so the guard cannot tell whether an approver wrote it"
                )
    if facts.commits_truncated:
        yield (
            f"the pull request has {len(facts.commits)} or more commits and GitHub lists only that many, "
            "so not every contributor is known"
        )
    if not facts.head_pusher_known:
        yield (
            f"the guard has not seen who pushed `{facts.head_sha[:12]}` (GitHub's `synchronize` delivery has "
            "not arrived, or the push came before the guard watched this pull request); push again to "
            "re-evaluate"
        )


def contributors(facts: PullFacts) -> dict[str, str]:
    """Everyone whose approval cannot count, by lower-case login, with the first reason found."""
    found: dict[str, str] = {facts.author.lower(): "opened this pull request"}
    for commit in facts.commits:
        roles = [("authored commit", commit.author), ("committed", commit.committer)]
        roles += [("co-authored commit", person) for person in commit.co_authors]
        for verb, person in roles:
            if person.login and person.login != WEB_FLOW:
                found.setdefault(person.login.lower(), f"{verb} `{commit.sha[:12]}`")
    for login in facts.pushers:
        found.setdefault(login.lower(), "pushed to this pull request")
    return found


def _judge(review: ReviewFact, facts: PullFacts, settings: PipelineReviewSettings) -> Approval:
    reason = _disqualified(review, facts, settings)
    if reason is None and review.commit_id != facts.head_sha:
        reason, carried = _carried(review.commit_id, facts, settings)
        return Approval(review.login, review.commit_id, carried, reason)
    return Approval(review.login, review.commit_id, reason is None, reason or "approved the head")


def _disqualified(review: ReviewFact, facts: PullFacts, settings: PipelineReviewSettings) -> str | None:
    contributed = contributors(facts).get(review.login.lower())
    if contributed:
        return contributed
    allowed_bots = {bot.lower() for bot in settings.approving_bots}
    if review.is_bot:
        return None if review.login.lower() in allowed_bots else "is a bot or App (not in `approving_bots`)"
    standing = facts.standings.get(review.login.lower())
    if standing is None:
        return "could not be checked against the reviewer list"
    if not standing.designated:
        return "is not one of the designated reviewers"
    if standing.role not in WRITE_ROLES:
        return f"has {standing.role} access; approving needs write"
    return None


def _carried(commit_id: str, facts: PullFacts, settings: PipelineReviewSettings) -> tuple[str, bool]:
    """Whether an approval of an earlier commit still holds at the head."""
    short = f"`{commit_id[:12]}`"
    since = facts.since.get(commit_id)
    if since is None or since.paths is None:
        return f"approved {short}, and the head does not build on that commit", False
    if since.truncated:
        return f"approved {short}; too many files changed since to be sure no pipeline file did", False
    changed = [p for p in since.paths if settings.is_pipeline_file(p)]
    if changed:
        shown = ", ".join(code(p) for p in changed[:5])
        return f"approved {short}; later pushes changed pipeline files ({shown})", False
    return f"approved {short}; later pushes changed no pipeline file", True


def touches_config(files: tuple[PipelineFile, ...]) -> bool:
    """Whether the change touches the guard's configuration or CODEOWNERS (more approvals apply)."""
    return any(match_path(p, f.path) for p in CONFIG_PATHS for f in files)
