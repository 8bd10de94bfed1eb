"""The review gate's verdict from plain facts: what counts as a pipeline change and whose approval counts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from policies.config import defaults
from policies.pipeline_review.facts import (
    CommitFact,
    FileChange,
    Identity,
    PullFacts,
    ReviewFact,
    Since,
    Standing,
    co_authors,
)
from policies.pipeline_review.settings import PipelineReviewSettings, Reviewers
from policies.pipeline_review.verdict import evaluate

HEAD, EARLIER = "a" * 40, "b" * 40
SETTINGS = replace(defaults().pipeline_review, reviewers=Reviewers(("security",), ()))
WRITER = Standing(designated=True, role="write")


def person(login: str | None, email: str = "") -> Identity:
    return Identity(login or "Someone", email or f"{login}@users.noreply.github.com", login)


def commit(author: str | None = "alice", committer: str | None = None, message: str = "") -> CommitFact:
    return CommitFact("c" * 40, person(author), person(committer or author), co_authors(message))


def pull(**changes: Any) -> PullFacts:
    facts = PullFacts(
        repository="acme/widgets",
        number=7,
        author="alice",
        base_ref="main",
        head_sha=HEAD,
        files=(FileChange(".github/workflows/ci.yml"),),
        files_truncated=False,
        commits=(commit(),),
        pushers=("alice",),
        head_pusher_known=True,
        reviews=(),
    )
    return replace(facts, **changes)


def approved_by(login: str, commit_id: str = HEAD, bot: bool = False) -> ReviewFact:
    return ReviewFact(login, bot, "approved", commit_id)


def reasons(facts: PullFacts, settings: PipelineReviewSettings = SETTINGS) -> dict[str, str]:
    return {a.login: a.reason for a in evaluate(facts, settings).approvals}


def test_a_change_to_no_pipeline_file_passes_without_review() -> None:
    verdict = evaluate(pull(files=(FileChange("README.md"),)), SETTINGS)
    assert (verdict.conclusion, verdict.touches_pipeline) == ("success", False)


@pytest.mark.parametrize(
    "path",
    [
        ".github/workflows/release.yaml",
        "tools/deploy/action.yml",
        "CODEOWNERS",
        "docs/CODEOWNERS",
        ".github/dependabot.yml",
        "azure-pipelines-nightly.yml",
        "ci/Jenkinsfile.release",
        ".travis.yml",
        ".gitmodules",
        ".buildkite/pipeline.yml",
    ],
)
def test_builtin_pipeline_files_need_review(path: str) -> None:
    assert evaluate(pull(files=(FileChange(path),)), SETTINGS).conclusion == "action_required"


def test_a_workflow_renamed_away_counts_on_its_old_name() -> None:
    moved = FileChange("docs/old-ci.yml", previous_path=".github/workflows/ci.yml")
    [found] = evaluate(pull(files=(moved,)), SETTINGS).pipeline_files
    assert (found.path, found.pattern) == ("docs/old-ci.yml", ".github/workflows/**")


def test_configured_paths_add_to_the_builtin_list() -> None:
    settings = replace(SETTINGS, paths=("scripts/ci/**",))
    assert (
        evaluate(pull(files=(FileChange("scripts/ci/build.sh"),)), settings).conclusion == "action_required"
    )


def test_a_truncated_file_list_counts_as_a_pipeline_and_config_change() -> None:
    verdict = evaluate(pull(files=(FileChange("README.md"),), files_truncated=True), SETTINGS)
    assert (verdict.conclusion, verdict.needed) == ("action_required", 2)


def test_a_designated_reviewer_with_write_access_approving_the_head_passes() -> None:
    facts = pull(reviews=(approved_by("carol"),), standings={"carol": WRITER})
    verdict = evaluate(facts, SETTINGS)
    assert verdict.conclusion == "success"
    assert reasons(facts) == {"carol": "approved the head"}


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (pull(reviews=(approved_by("alice"),)), "opened this pull request"),
        (pull(commits=(commit("bob"),), reviews=(approved_by("bob"),)), "authored commit `cccccccccccc`"),
        (
            pull(commits=(commit("ann", "bob"),), reviews=(approved_by("bob"),)),
            "committed `cccccccccccc`",
        ),
        (
            pull(
                commits=(commit(message="Fix\n\nCo-authored-by: Bob <1+bob@users.noreply.github.com>"),),
                reviews=(approved_by("bob"),),
            ),
            "co-authored commit `cccccccccccc`",
        ),
        (pull(pushers=("alice", "bob"), reviews=(approved_by("bob"),)), "pushed to this pull request"),
        (
            pull(reviews=(approved_by("helper[bot]", bot=True),)),
            "is a bot or App (not in `approving_bots`)",
        ),
    ],
    ids=["author", "commit-author", "committer", "co-author", "pusher", "bot"],
)
def test_approvals_from_people_involved_in_the_change_never_count(facts: PullFacts, reason: str) -> None:
    facts = replace(facts, standings={login: WRITER for login in ("alice", "bob")})
    assert evaluate(facts, SETTINGS).conclusion == "action_required"
    assert list(reasons(facts).values()) == [reason]


def test_an_allow_listed_bot_counts() -> None:
    settings = replace(SETTINGS, approving_bots=("helper[bot]",))
    facts = pull(reviews=(approved_by("helper[bot]", bot=True),))
    assert evaluate(facts, settings).conclusion == "success"


def test_someone_outside_the_reviewer_teams_or_without_write_does_not_count() -> None:
    facts = pull(
        reviews=(approved_by("dan"), approved_by("erin")),
        standings={"dan": Standing(False, "admin"), "erin": Standing(True, "triage")},
    )
    assert reasons(facts) == {
        "dan": "is not one of the designated reviewers",
        "erin": "has triage access; approving needs write",
    }


def test_a_later_change_request_or_dismissal_withdraws_an_approval() -> None:
    for later in ("changes_requested", "dismissed"):
        facts = pull(
            reviews=(approved_by("carol"), ReviewFact("carol", False, later, HEAD)),
            standings={"carol": WRITER},
        )
        assert evaluate(facts, SETTINGS).conclusion == "action_required"


def test_a_comment_after_an_approval_keeps_it() -> None:
    facts = pull(
        reviews=(approved_by("carol"), ReviewFact("carol", False, "commented", HEAD)),
        standings={"carol": WRITER},
    )
    assert evaluate(facts, SETTINGS).conclusion == "success"


def test_an_earlier_approval_carries_over_pushes_that_change_no_pipeline_file() -> None:
    facts = pull(
        reviews=(approved_by("carol", EARLIER),),
        standings={"carol": WRITER},
        since={EARLIER: Since(("README.md",))},
    )
    assert evaluate(facts, SETTINGS).conclusion == "success"
    assert reasons(facts)["carol"] == "approved `bbbbbbbbbbbb`; later pushes changed no pipeline file"


@pytest.mark.parametrize(
    ("since", "reason"),
    [
        (
            Since((".github/workflows/ci.yml",)),
            "later pushes changed pipeline files (`.github/workflows/ci.yml`)",
        ),
        (Since(None), "and the head does not build on that commit"),
        (Since(("README.md",), truncated=True), "too many files changed since"),
    ],
)
def test_an_earlier_approval_lapses_when_later_pushes_may_touch_pipeline_files(
    since: Since, reason: str
) -> None:
    facts = pull(
        reviews=(approved_by("carol", EARLIER),), standings={"carol": WRITER}, since={EARLIER: since}
    )
    assert evaluate(facts, SETTINGS).conclusion == "action_required"
    assert reason in reasons(facts)["carol"]


def test_a_commit_author_linked_to_no_account_blocks_every_approval() -> None:
    unlinked = CommitFact("d" * 40, Identity("Eve", "eve@example.com", None), person("alice"))
    facts = pull(commits=(unlinked,), reviews=(approved_by("carol"),), standings={"carol": WRITER})
    verdict = evaluate(facts, SETTINGS)
    assert verdict.conclusion == "action_required"
    assert verdict.blockers == (
        "the author of commit `dddddddddddd`, `Eve <eve@example.com>`, is not linked to a GitHub account, so "
        "the guard cannot tell whether an approver wrote it",
    )


def test_an_unseen_push_of_the_head_blocks_until_its_pusher_is_known() -> None:
    facts = pull(head_pusher_known=False, reviews=(approved_by("carol"),), standings={"carol": WRITER})
    [blocker] = evaluate(facts, SETTINGS).blockers
    assert "has not seen who pushed `aaaaaaaaaaaa`" in blocker


def test_config_and_codeowners_changes_need_the_larger_count() -> None:
    facts = pull(
        files=(FileChange("CODEOWNERS"),), reviews=(approved_by("carol"),), standings={"carol": WRITER}
    )
    verdict = evaluate(facts, SETTINGS)
    assert (verdict.conclusion, verdict.needed, len(verdict.counted)) == ("action_required", 2, 1)


def test_observe_mode_reports_a_missing_approval_as_neutral() -> None:
    settings = replace(SETTINGS, mode=type(SETTINGS.mode)("observe"))
    assert evaluate(pull(), settings).conclusion == "neutral"


def test_co_author_trailers_link_only_through_github_no_reply_addresses() -> None:
    message = (
        "x\n\nCo-authored-by: Bob <12+bob@users.noreply.github.com>\nco-authored-by: Ann <ann@example.com>\n"
    )
    assert co_authors(message) == (
        Identity("Bob", "12+bob@users.noreply.github.com", "bob"),
        Identity("Ann", "ann@example.com", None),
    )
