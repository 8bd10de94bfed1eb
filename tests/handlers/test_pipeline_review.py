"""The review gate end to end: deliveries through the receiver, GitHub played by the double.

Each test ends on what a maintainer sees: the "Pipeline Guard / review" check run on the head commit
(conclusion, title, summary), review requests and labels, and alerts in the feed.
"""

from __future__ import annotations

from typing import Any

import pytest

from guard.handlers import ROUTER
from guard.manifest import needs
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.state import CheckRun
from tests.handlers.test_branch_protection_sweep import sweep
from tests.support.scenario import Scenario

REPO = "acme/widgets"
CHECK = "Pipeline Guard / review"
ORG_CONFIG = "pipeline_review:\n  reviewers: {teams: [security]}\n"
SAFE_WORKFLOW = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
RISKY_WORKFLOW = """\
on: pull_request_target
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: make build
"""


@pytest.fixture
def acme(github_double: GitHubDouble) -> GitHubDouble:
    permissions, _ = needs(ROUTER)  # exactly what the guard's manifest asks for
    github_double.add_installation("acme", permissions=permissions)
    github_double.add_repo("acme/.github", files={"guard.yml": ORG_CONFIG})
    github_double.add_repo(
        REPO, files={"README.md": "# widgets\n", ".github/workflows/ci.yml": SAFE_WORKFLOW}
    )
    github_double.add_team("acme", "security", members=["carol", "dave"])
    for login in ("alice", "carol", "dave", "mallory"):
        github_double.set_role(REPO, login, "write")
    return github_double


def open_change(
    double: GitHubDouble, path: str, content: str, *, user: str = "alice", branch: str = "change"
) -> int:
    double.put_file(REPO, branch, path, content, author=user)
    return double.open_pull(REPO, branch, user=user).number


def opened(guard: Scenario, double: GitHubDouble, number: int) -> None:
    guard.handle("pull_request", webhooks.pull_request(double, REPO, number, "opened"))


def pushed(
    guard: Scenario,
    double: GitHubDouble,
    number: int,
    path: str,
    content: str,
    *,
    by: str = "alice",
    author: str | None = None,
    message: str | None = None,
) -> None:
    """``by`` pushes a commit (authored by ``author``, else by ``by``) and GitHub sends ``synchronize``."""
    before = double.pull(REPO, number).head_sha
    after = double.push_to_pull(REPO, number, path, content, author=author or by, message=message)
    payload = webhooks.pull_request(
        double, REPO, number, "synchronize", sender=by, before=before, after=after
    )
    guard.handle("pull_request", payload)


def approve(guard: Scenario, double: GitHubDouble, number: int, user: str, state: str = "APPROVED") -> int:
    review_id = double.review_pull(REPO, number, user, state)
    guard.handle("pull_request_review", webhooks.pull_request_review(double, REPO, number, review_id))
    return review_id


def review_check(double: GitHubDouble, number: int) -> CheckRun:
    """The run GitHub shows for the head: the newest of that name (a result with annotations is a new run)."""
    head = double.pull(REPO, number).head_sha
    return max(
        (r for r in double.check_runs(REPO) if r.name == CHECK and r.head_sha == head), key=lambda r: r.id
    )


def shown(run: CheckRun) -> tuple[Any, Any]:
    return run.conclusion, run.output["title"]


def test_a_pull_request_that_changes_no_pipeline_file_passes_at_once(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, "README.md", "# better docs\n")
    opened(guard_app, acme, number)
    run = review_check(acme, number)
    assert shown(run) == ("success", "No pipeline files changed")
    assert acme.pull_labels(REPO, number) == []


def test_a_workflow_change_waits_for_a_reviewer_then_passes_on_their_approval(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", RISKY_WORKFLOW)
    opened(guard_app, acme, number)
    run = review_check(acme, number)
    head = acme.pull(REPO, number).head_sha[:12]
    assert shown(run) == ("action_required", "Pipeline change needs 1 more approval from a reviewer")
    assert run.output["summary"] == (
        f"Evaluated for head `{head}` into `main`, with the reviewer settings of `main`.\n\n"
        "**Pipeline files changed (1).** They decide how code is built, tested or deployed, so the change "
        "needs an approval from someone who did not write it.\n\n"
        "| File | Why |\n|---|---|\n| `.github/workflows/ci.yml` | matches `.github/workflows/**` |\n\n"
        "**Who can approve:** members of team `security` with write access — 1 approval needed on this head. "
        "Never counted: the author, anyone who authored, committed or co-authored a commit here, anyone who "
        "pushed to it, and bots.\n\n"
        "**Approvals that count (0 of 1):**\n- none yet\n\n"
        "**What to do:** ask one of the reviewers above to review and approve the current head. An approval "
        "stays valid across later pushes only while those pushes change no pipeline file."
    )
    assert [(a["path"], a["start_line"], a["annotation_level"], a["title"]) for a in run.annotations] == [
        (".github/workflows/ci.yml", 1, "warning", "excessive-permissions (medium)"),
        (".github/workflows/ci.yml", 6, "failure", "untrusted-checkout-exec (critical)"),
    ]
    assert [b["identifier"] for b in run.actions] == ["reevaluate"]
    assert acme.requested_reviewers(REPO, number) == {"users": [], "teams": ["security"]}
    assert acme.pull_labels(REPO, number) == ["pipeline-change"]

    approve(guard_app, acme, number, "carol")
    run = review_check(acme, number)
    assert shown(run) == ("success", "Approved by @carol (1 of 1)")
    assert "- @carol: approved the head" in run.output["summary"]


@pytest.mark.parametrize(
    ("approver", "arrange", "reason"),
    [
        ("alice", None, "@alice: opened this pull request"),
        ("carol", "co-author", "@carol: co-authored commit"),
        ("dave", "push", "@dave: pushed to this pull request"),
        ("helper[bot]", None, "@helper[bot]: is a bot or App (not in `approving_bots`)"),
        ("mallory", None, "@mallory: is not one of the designated reviewers"),
    ],
    ids=["author", "co-author", "pusher", "bot", "not-a-reviewer"],
)
def test_approvals_that_cannot_count_leave_the_check_waiting_and_say_why(
    guard_app: Scenario, acme: GitHubDouble, approver: str, arrange: str | None, reason: str
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# tweak\n")
    opened(guard_app, acme, number)
    if arrange == "co-author":
        trailer = "Co-authored-by: Carol <7+carol@users.noreply.github.com>"
        pushed(guard_app, acme, number, "README.md", "# pairing\n", message=f"Pair\n\n{trailer}")
    if arrange == "push":
        pushed(guard_app, acme, number, "README.md", "# alice's fix\n", by="dave", author="alice")
    approve(guard_app, acme, number, approver)
    run = review_check(acme, number)
    assert run.conclusion == "action_required"
    assert "**Approvals that do not count:**" in run.output["summary"]
    assert reason in run.output["summary"]


def test_an_approval_lapses_when_a_later_push_changes_a_workflow(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "carol")
    assert review_check(acme, number).conclusion == "success"
    pushed(guard_app, acme, number, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# two\n")
    run = review_check(acme, number)
    assert run.conclusion == "action_required"
    assert "later pushes changed pipeline files (`.github/workflows/ci.yml`)" in run.output["summary"]


def test_an_approval_holds_across_a_push_that_changes_only_docs(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "carol")
    pushed(guard_app, acme, number, "README.md", "# docs only\n")
    run = review_check(acme, number)
    assert shown(run) == ("success", "Approved by @carol (1 of 1)")
    assert "later pushes changed no pipeline file" in run.output["summary"]


def test_a_withdrawn_approval_sends_the_check_back_to_waiting(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    review_id = approve(guard_app, acme, number, "carol")
    acme.dismiss_review(REPO, number, review_id)
    payload = webhooks.pull_request_review(acme, REPO, number, review_id, action="dismissed")
    guard_app.handle("pull_request_review", payload)
    assert review_check(acme, number).conclusion == "action_required"
    approve(guard_app, acme, number, "dave")
    approve(guard_app, acme, number, "dave", "CHANGES_REQUESTED")
    run = review_check(acme, number)
    assert run.conclusion == "action_required"
    assert "**Changes requested by:** @dave." in run.output["summary"]


def test_retargeting_to_a_branch_with_stricter_config_re_evaluates_under_it(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    acme.put_file(REPO, "release", ".github/guard.yml", "pipeline_review:\n  required_approvals: 2\n")
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "carol")
    assert review_check(acme, number).conclusion == "success"
    old = acme.pull(REPO, number)
    old_base, old_sha = old.base_ref, old.base_sha
    acme.retarget_pull(REPO, number, "release")
    changes = {"base": {"ref": {"from": old_base}, "sha": {"from": old_sha}}}
    guard_app.handle("pull_request", webhooks.pull_request(acme, REPO, number, "edited", changes=changes))
    run = review_check(acme, number)
    assert shown(run) == ("action_required", "Pipeline change needs 1 more approval from a reviewer")
    assert "into `release`, with the reviewer settings of `release`" in run.output["summary"]
    assert "**Approvals that count (1 of 2):**" in run.output["summary"]


def test_a_commit_by_an_email_linked_to_no_account_fails_closed(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    before = acme.pull(REPO, number).head_sha
    after = acme.push_to_pull(
        REPO, number, "README.md", "# x\n", author=None, author_email="ghost@example.com"
    )
    payload = webhooks.pull_request(
        acme, REPO, number, "synchronize", sender="alice", before=before, after=after
    )
    guard_app.handle("pull_request", payload)
    approve(guard_app, acme, number, "carol")
    run = review_check(acme, number)
    assert shown(run) == ("action_required", "Pipeline change: no approval can count yet")
    assert "ghost@example.com>`, is not linked to a GitHub account" in run.output["summary"]


def test_an_admin_merge_while_the_check_fails_raises_a_critical_alert(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", RISKY_WORKFLOW)
    opened(guard_app, acme, number)
    acme.merge_pull(REPO, number, by="root-admin")
    guard_app.handle("pull_request", webhooks.pull_request(acme, REPO, number, "closed", sender="root-admin"))
    [alert] = [a for a in guard_app.alerts() if a["policy"] == "pipeline_review"]
    assert (alert["severity"], alert["actor"], alert["title"]) == (
        4,
        "root-admin",
        f"{REPO}#{number} was merged by @root-admin while {CHECK} was action_required",
    )


def test_a_merge_after_approval_raises_no_alert(guard_app: Scenario, acme: GitHubDouble) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "carol")
    acme.merge_pull(REPO, number, by="carol")
    guard_app.handle("pull_request", webhooks.pull_request(acme, REPO, number, "closed", sender="carol"))
    assert [a for a in guard_app.alerts() if a["policy"] == "pipeline_review"] == []


def test_a_pull_request_too_large_for_github_to_list_counts_as_a_pipeline_change(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    acme.put_files(REPO, "huge", {f"data/{i:04}.txt": f"{i}\n" for i in range(3001)}, author="alice")
    number = acme.open_pull(REPO, "huge", user="alice").number
    opened(guard_app, acme, number)
    run = review_check(acme, number)
    assert shown(run) == ("action_required", "Pipeline change needs 2 more approvals from a reviewer")
    assert "GitHub lists only the first 3,000 files of this pull request" in run.output["summary"]


def test_a_merge_group_gets_a_real_verdict_for_its_head(guard_app: Scenario, acme: GitHubDouble) -> None:
    approved = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n", branch="approved")
    opened(guard_app, acme, approved)
    approve(guard_app, acme, approved, "carol")
    waiting = open_change(acme, ".github/workflows/lint.yml", SAFE_WORKFLOW, branch="waiting")
    opened(guard_app, acme, waiting)
    for number, expected in ((approved, ("success", f"#{approved} is approved")), (waiting, None)):
        head, ref = acme.open_merge_group(REPO, [number])
        guard_app.handle("merge_group", webhooks.merge_group(acme, REPO, head, ref, "refs/heads/main"))
        [run] = [r for r in acme.check_runs(REPO) if r.head_sha == head]
        assert shown(run) == (expected or ("action_required", f"#{waiting} is not approved"))


def test_a_reviewer_leaving_the_team_withdraws_their_approval(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "carol")
    acme.set_team_members("acme", "security", ["dave"])
    guard_app.handle("membership", webhooks.membership(acme, "acme", "security", "carol", action="removed"))
    run = review_check(acme, number)
    assert run.conclusion == "action_required"
    assert "- @carol: is not one of the designated reviewers" in run.output["summary"]


def test_the_re_evaluate_button_picks_up_what_no_delivery_announced(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "erin")
    assert review_check(acme, number).conclusion == "action_required"
    acme.set_role(REPO, "erin", "write")
    acme.set_team_members("acme", "security", ["carol", "dave", "erin"])
    run = review_check(acme, number)
    payload = webhooks.check_run(acme, REPO, run.id, action="requested_action", identifier="reevaluate")
    guard_app.handle("check_run", payload)
    assert shown(review_check(acme, number)) == ("success", "Approved by @erin (1 of 1)")


def test_the_hourly_sweep_repairs_a_check_whose_delivery_was_lost(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    guard_app.sweep(sweep(acme, REPO, "pipeline_review"))
    run = review_check(acme, number)
    assert shown(run) == ("action_required", "Pipeline change: no approval can count yet")
    assert "the guard has not seen who pushed" in run.output["summary"]


def test_an_answer_the_guard_cannot_use_fails_the_check_with_the_reason(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    acme.fail("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits", status=403, times=None)
    opened(guard_app, acme, number)
    run = review_check(acme, number)
    assert shown(run) == ("failure", "Could not evaluate the review state")
    assert run.output["summary"].startswith(
        "The guard could not evaluate this pull request: GitHub answered 403"
    )
    assert "this check fails closed" in run.output["summary"]


def test_an_invalid_config_on_the_base_branch_fails_closed(guard_app: Scenario, acme: GitHubDouble) -> None:
    acme.put_file(REPO, "release", ".github/guard.yml", "pipeline_review:\n  required_approvals: many\n")
    acme.put_file(REPO, "change", ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n", author="alice")
    number = acme.open_pull(REPO, "change", base="release", user="alice").number
    opened(guard_app, acme, number)
    run = review_check(acme, number)
    assert shown(run) == ("failure", "Could not evaluate the review state")
    assert ".github/guard.yml on branch release is invalid" in run.output["summary"]


def test_a_failing_label_or_review_request_never_changes_the_verdict(
    guard_app: Scenario, acme: GitHubDouble
) -> None:
    acme.fail("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", status=403, times=None)
    acme.fail("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", status=422, times=None)
    number = open_change(acme, ".github/workflows/ci.yml", SAFE_WORKFLOW + "# one\n")
    opened(guard_app, acme, number)
    approve(guard_app, acme, number, "carol")
    assert shown(review_check(acme, number)) == ("success", "Approved by @carol (1 of 1)")
