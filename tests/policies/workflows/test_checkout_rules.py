"""Untrusted checkouts: which refs select a pull request's code, what counts as running it, which gates
stop an outsider, and when an approval does not pin the code."""

from __future__ import annotations

from policies.base import Severity
from policies.workflows import AnalyserSettings, analyse
from tests.policies.workflows.helpers import WORKFLOW, findings, run

HEADER = """\
on: pull_request_target
permissions:
  contents: write
jobs:
  build:
    runs-on: ubuntu-latest
"""


def workflow(body: str, header: str = HEADER) -> str:
    return header + body


def test_git_fetch_of_a_pull_ref_then_checkout_is_a_pr_checkout() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
      - run: |
          git fetch origin pull/${{ github.event.number }}/head:pr
          git checkout pr
      - run: make
""")
    )
    [finding] = findings(analysis, "untrusted-checkout-exec")
    assert finding.severity is Severity.CRITICAL
    assert "make runs the tree's Makefile" in finding.message


def test_fetching_a_pull_ref_only_as_git_data_is_not_a_checkout() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
      - run: |
          git fetch origin pull/${{ github.event.number }}/head:pr
          git diff --stat HEAD...pr
      - run: make check-diff
""")
    )
    assert findings(analysis, "untrusted-checkout-exec") == []


def test_head_branch_without_the_fork_repository_resolves_in_the_base_repository() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.head_ref }}
      - run: npm ci
""")
    )
    assert findings(analysis, "untrusted-checkout-exec") == []


def test_head_branch_of_the_fork_repository_is_the_contributors_code() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
        with:
          repository: ${{ github.event.pull_request.head.repo.full_name }}
          ref: ${{ github.head_ref }}
      - run: npm ci
""")
    )
    [finding] = findings(analysis, "untrusted-checkout-exec")
    assert "contributor's repository" in finding.message
    assert [e.line for e in finding.evidence] == [8, 12]


def test_sha_laundered_through_workflow_env_is_still_the_head() -> None:
    analysis = run("""\
    on: pull_request_target
    env:
      SHA: ${{ github.event.pull_request.head.sha || github.sha }}
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ env.SHA }}
          - run: ./build.sh
    """)
    assert findings(analysis, "untrusted-checkout-exec")[0].severity is Severity.CRITICAL


def test_same_repository_guard_keeps_forks_out() -> None:
    analysis = run(
        workflow("""\
    if: github.event.pull_request.head.repo.full_name == github.repository
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci
""")
    )
    assert findings(analysis, "untrusted-checkout-exec") == []


def test_guard_on_only_one_side_of_an_or_does_not_protect() -> None:
    analysis = run(
        workflow("""\
    if: github.event.pull_request.head.repo.full_name == github.repository || github.actor != 'x'
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci
""")
    )
    assert findings(analysis, "untrusted-checkout-exec")


def test_checkout_into_a_subdirectory_runs_only_what_works_there() -> None:
    base = """\
    steps:
      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          path: pr
"""
    outside = run(workflow(base + "      - run: npm ci\n"))
    inside = run(workflow(base + "      - run: npm ci\n        working-directory: pr\n"))
    assert findings(outside, "untrusted-checkout-exec") == []
    assert findings(outside, "untrusted-checkout")[0].severity is Severity.MEDIUM
    assert findings(inside, "untrusted-checkout-exec")[0].severity is Severity.CRITICAL


def test_local_action_after_a_pr_checkout_comes_from_the_pull_request() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: ./.github/actions/setup
""")
    )
    [finding] = findings(analysis, "untrusted-checkout-exec")
    assert "local action ./.github/actions/setup" in finding.message


def test_job_without_secrets_or_write_token_is_medium() -> None:
    header = HEADER.replace("permissions:\n  contents: write", "permissions: {}")
    analysis = run(
        workflow(
            """\
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.merge_commit_sha }}
      - run: npm ci
""",
            header,
        )
    )
    [finding] = findings(analysis, "untrusted-checkout-exec")
    assert finding.severity is Severity.MEDIUM
    assert "poison caches" in finding.message


def test_persistent_label_gate_with_synchronize_is_critical() -> None:
    analysis = run("""\
    on:
      pull_request_target:
        types: [labeled, synchronize]
    jobs:
      preview:
        if: contains(github.event.pull_request.labels.*.name, 'safe to preview')
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ github.event.pull_request.head.sha }}
          - run: npm run build
    """)
    [finding] = findings(analysis, "untrusted-checkout-exec")
    assert finding.severity is Severity.CRITICAL
    assert "label stays on the pull request" in finding.message


def test_maintainer_comment_then_gh_pr_checkout_is_a_toctou() -> None:
    analysis = run("""\
    on:
      issue_comment:
        types: [created]
    jobs:
      e2e:
        if: >-
          github.event.issue.pull_request && contains(github.event.comment.body, '/e2e') &&
          contains(fromJSON('["OWNER", "MEMBER"]'), github.event.comment.author_association)
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - run: gh pr checkout ${{ github.event.issue.number }}
            env:
              GH_TOKEN: ${{ github.token }}
          - run: make e2e
    """)
    assert findings(analysis, "untrusted-checkout-exec") == []
    [finding] = findings(analysis, "approval-toctou")
    assert finding.severity is Severity.HIGH


def test_anyone_commenting_gets_the_pull_request_run_with_the_token() -> None:
    analysis = run("""\
    on: issue_comment
    jobs:
      e2e:
        if: contains(github.event.comment.body, '/e2e')
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              ref: refs/pull/${{ github.event.issue.number }}/merge
          - run: make e2e
    """)
    assert findings(analysis, "untrusted-checkout-exec")[0].severity is Severity.CRITICAL


def test_workflow_run_checkout_of_the_triggering_head() -> None:
    text = """\
    on:
      workflow_run:
        workflows: [CI]
        types: [completed]
    jobs:
      coverage:
        runs-on: ubuntu-latest
        CONDITION
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ github.event.workflow_run.head_sha }}
          - run: pytest
    """
    open_to_forks = run(text.replace("CONDITION", ""))
    guarded = run(
        text.replace(
            "CONDITION", "if: github.event.workflow_run.head_repository.full_name == github.repository"
        )
    )
    assert findings(open_to_forks, "untrusted-checkout-exec")[0].severity is Severity.CRITICAL
    assert findings(guarded, "untrusted-checkout-exec") == []


def test_environment_is_reported_with_its_caveat_unless_listed_as_requiring_approval() -> None:
    text = workflow("""\
    environment: integration
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci
""")
    [finding] = findings(run(text), "untrusted-checkout-exec")
    assert finding.confidence == "medium"
    assert "approval_environments" in finding.message
    listed = analyse({WORKFLOW: text}, settings=AnalyserSettings(approval_environments=("integration",)))
    assert findings(listed, "untrusted-checkout-exec") == []


def test_allow_unsafe_pr_checkout_is_a_pr_checkout() -> None:
    analysis = run("""\
    on: workflow_run
    jobs:
      build:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v7
            with:
              allow-unsafe-pr-checkout: true
          - run: cargo test
    """)
    assert findings(analysis, "untrusted-checkout-exec")


def test_tools_that_only_read_the_tree_are_not_execution() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: |
          pip install yamllint
          yamllint .
          shellcheck scripts/*.sh
""")
    )
    assert findings(analysis, "untrusted-checkout-exec") == []
    assert findings(analysis, "untrusted-checkout")[0].severity is Severity.MEDIUM


def test_self_hosted_runner_makes_even_a_tokenless_job_critical() -> None:
    header = HEADER.replace("permissions:\n  contents: write", "permissions: {}").replace(
        "ubuntu-latest", "[self-hosted, linux]"
    )
    analysis = run(
        workflow(
            """\
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: make
""",
            header,
        )
    )
    [finding] = findings(analysis, "untrusted-checkout-exec")
    assert finding.severity is Severity.CRITICAL
    assert "self-hosted runner" in finding.message


WORKFLOW_RUN = """\
on:
  workflow_run:
    workflows: [Release build]
    types: [completed]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.workflow_run.head_sha }}
      - run: make publish
"""


def test_workflow_run_after_an_upstream_only_writers_can_start_is_not_reachable() -> None:
    push_only = "name: Release build\non:\n  push:\n    tags: ['v*']\njobs: {}\n"
    analysis = run(WORKFLOW_RUN, **{".github__workflows__release.yml": push_only})
    assert findings(analysis, "untrusted-checkout-exec") == []


def test_workflow_run_after_a_pull_request_workflow_is_reachable() -> None:
    on_pull_requests = "name: Release build\non: [push, pull_request]\njobs: {}\n"
    analysis = run(WORKFLOW_RUN, **{".github__workflows__release.yml": on_pull_requests})
    assert findings(analysis, "untrusted-checkout-exec")
    assert findings(run(WORKFLOW_RUN), "untrusted-checkout-exec")


def test_code_of_a_merged_pull_request_was_accepted_by_a_maintainer() -> None:
    analysis = run("""\
    on:
      pull_request_target:
        types: [closed]
    jobs:
      release:
        if: github.event.pull_request.merged == true
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ github.event.pull_request.merge_commit_sha }}
          - run: make release
    """)
    assert findings(analysis, "untrusted-checkout-exec") == []


def test_installing_without_lifecycle_scripts_does_not_run_the_tree() -> None:
    analysis = run(
        workflow("""\
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: npm ci --ignore-scripts
""")
    )
    assert findings(analysis, "untrusted-checkout-exec") == []


def test_a_failing_permission_check_stops_the_job_unless_errors_are_ignored() -> None:
    text = """\
    on: issue_comment
    jobs:
      e2e:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/github-script@v7
            CONTINUE
            with:
              script: |
                const {data} = await github.rest.repos.getCollaboratorPermissionLevel({
                  ...context.repo, username: context.actor});
                if (data.permission !== 'admin') core.setFailed('not allowed');
          - uses: actions/checkout@v4
            with:
              ref: refs/pull/${{ github.event.issue.number }}/head
          - run: make e2e
    """
    checked = run(text.replace("CONTINUE", ""))
    ignored = run(text.replace("CONTINUE", "continue-on-error: true"))
    assert findings(checked, "untrusted-checkout-exec") == []
    assert findings(checked, "approval-toctou")[0].severity is Severity.HIGH
    assert findings(ignored, "untrusted-checkout-exec")[0].severity is Severity.CRITICAL


def test_base_tools_reading_a_pr_subdirectory_do_not_run_it() -> None:
    base = """\
    steps:
      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          path: pr
"""
    reads = run(workflow(base + "      - run: ./scripts/check-links.sh pr/docs\n"))
    runs_script = run(workflow(base + "      - run: bash pr/scripts/build.sh\n"))
    moves_in = run(workflow(base + "      - run: cd pr && make\n"))
    assert findings(reads, "untrusted-checkout-exec") == []
    assert findings(runs_script, "untrusted-checkout-exec")
    assert findings(moves_in, "untrusted-checkout-exec")


def test_pushing_pr_code_to_a_new_branch_of_this_repository_promotes_it() -> None:
    text = """\
    on:
      pull_request_target:
        types: [labeled]
    jobs:
      promote:
        if: github.event.label.name == 'approved-for-ci'
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
            with:
              token: ${{ secrets.CI_TOKEN }}
          - run: gh pr checkout ${{ github.event.pull_request.number }}
          - run: PUSH
    """
    promoted = run(text.replace("PUSH", "git checkout -b ci-run/pr-1 && git push --force origin ci-run/pr-1"))
    pushed_back = run(text.replace("PUSH", "git rebase origin/main && git push --force-with-lease"))
    assert findings(promoted, "approval-toctou")[0].severity is Severity.HIGH
    assert findings(pushed_back, "approval-toctou") == []
