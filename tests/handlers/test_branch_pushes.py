"""Push watch on protected branches: force pushes, deletions, direct pushes and unsigned commits."""

from __future__ import annotations

from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.support.scenario import Scenario

REFS = "/repos/{owner}/{repo}/git/refs"
PERMISSIONS = {
    "administration": "write",
    "checks": "write",
    "contents": "write",
    "metadata": "read",
    "pull_requests": "read",
}
MAIN = "refs/heads/main"


def install(double: GitHubDouble, mode: str = "enforce", extra: str = "") -> None:
    double.add_installation("acme", permissions=PERMISSIONS)
    guard_yml = f"branch_protection:\n  mode: {mode}\n  branches:\n    - pattern: ~default\n{extra}"
    double.add_repo("acme/.github", files={"guard.yml": guard_yml})
    double.add_repo(
        "acme/widgets", files={"README.md": "# widgets\n", ".github/workflows/ci.yml": "on: push\n"}
    )


def test_a_force_push_keeps_the_overwritten_commit_in_a_backup_branch_before_the_critical_alert(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double)
    github_double.put_file("acme/widgets", "main", "src/app.py", "print('v1')\n")
    before, after = github_double.force_push("acme/widgets", "main", "src/app.py", "print('rewritten')\n")
    payload = webhooks.push(github_double, "acme/widgets", MAIN, before, after, pusher="mallory", forced=True)
    delivery = guard_app.handle("push", payload)
    backup = f"guard/backup/main/{before[:12]}"
    [create] = github_double.calls_to("POST", REFS)
    assert create.body == {"ref": f"refs/heads/{backup}", "sha": before}
    assert github_double.head("acme/widgets", backup) == before
    [alert] = guard_app.alerts()
    assert (alert["severity"], alert["rule"], alert["actor"]) == (4, "force-push", "mallory")
    assert alert["title"] == "Force push to main in acme/widgets by mallory"
    assert f"(https://github.com/acme/widgets/tree/{backup})" in alert["details"]
    assert alert["action_result"] == f"created branch {backup} at {before[:12]}"
    [decision] = [d for d in guard_app.decisions(delivery) if d["summary"].startswith("force push")]
    assert [a["kind"] for a in decision["actions"]] == ["backup_branch"]


def test_a_force_push_is_fine_where_the_declaration_allows_it(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double, extra="      allow_force_pushes: true\n      require_pull_request: false\n")
    before, after = github_double.force_push("acme/widgets", "main", "README.md", "# rewritten\n")
    guard_app.handle("push", webhooks.push(github_double, "acme/widgets", MAIN, before, after, forced=True))
    assert github_double.calls_to("POST", REFS) == []
    assert guard_app.alerts() == []


def test_a_deleted_protected_branch_is_recreated_at_its_last_commit(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double)
    github_double.create_branch("acme/widgets", "keep")
    sha = github_double.delete_branch("acme/widgets", "main")
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", MAIN, sha, "0" * 40, pusher="mallory")
    )
    [create] = github_double.calls_to("POST", REFS)
    assert create.body == {"ref": MAIN, "sha": sha}
    assert github_double.head("acme/widgets", "main") == sha
    [alert] = guard_app.alerts()
    assert (alert["severity"], alert["rule"]) == (4, "branch-deleted")
    assert alert["action_result"] == f"created branch main at {sha[:12]}"


def test_a_deleted_branch_is_only_reported_in_observe_mode(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double, mode="observe")
    sha = github_double.delete_branch("acme/widgets", "main")
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", MAIN, sha, "0" * 40, pusher="mallory")
    )
    assert github_double.calls_to("POST", REFS) == []
    [alert] = guard_app.alerts()
    assert alert["action_taken"] == "not recreated: branch_protection.mode is observe"


def test_a_direct_push_of_a_workflow_change_is_a_critical_alert_naming_the_pusher(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double)
    before = github_double.head("acme/widgets")
    after = github_double.put_file("acme/widgets", "main", ".github/workflows/ci.yml", "on: push\njobs: {}\n")
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", MAIN, before, after, pusher="mallory")
    )
    [alert] = guard_app.alerts()
    assert (alert["severity"], alert["rule"], alert["actor"]) == (4, "direct-push", "mallory")
    assert alert["title"] == "Direct push of a pipeline change to main in acme/widgets by mallory"
    assert "- `.github/workflows/ci.yml`" in alert["details"]


def test_a_direct_push_of_other_files_is_a_high_alert(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double)
    before = github_double.head("acme/widgets")
    after = github_double.put_file("acme/widgets", "main", "README.md", "# changed\n")
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", MAIN, before, after, pusher="mallory")
    )
    [alert] = guard_app.alerts()
    assert (alert["severity"], alert["title"]) == (
        3,
        "Direct push of commits to main in acme/widgets by mallory",
    )


def test_a_merged_pull_request_is_not_a_direct_push_nor_is_a_merge_queue_group(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double)
    for number, pusher in ((1, "maintainer"), (2, "github-merge-queue[bot]")):
        github_double.put_file(
            "acme/widgets", f"change-{number}", ".github/workflows/ci.yml", f"# {number}\n"
        )
        github_double.open_pull("acme/widgets", f"change-{number}")
        before = github_double.head("acme/widgets")
        merged = github_double.merge_pull("acme/widgets", number)
        guard_app.handle(
            "push", webhooks.push(github_double, "acme/widgets", MAIN, before, merged, pusher=pusher)
        )
    assert guard_app.alerts() == []
    assert len(github_double.calls_to("GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls")) == 2


def test_unsigned_commits_on_a_branch_that_requires_signatures_are_reported(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    install(github_double, extra="      signed_commits: true\n      require_pull_request: false\n")
    before = github_double.head("acme/widgets")
    signed = github_double.put_file("acme/widgets", "main", "a.txt", "a\n")
    unsigned = github_double.put_file("acme/widgets", "main", "b.txt", "b\n")
    github_double.sign(signed)
    guard_app.handle(
        "push", webhooks.push(github_double, "acme/widgets", MAIN, before, unsigned, pusher="dev")
    )
    [alert] = guard_app.alerts()
    assert (alert["rule"], alert["severity"]) == ("unsigned-commits", 3)
    assert unsigned[:12] in alert["details"]
    assert signed[:12] not in alert["details"]
