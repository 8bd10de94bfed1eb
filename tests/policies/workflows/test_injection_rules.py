"""Expression injection, env-file writes and artifact poisoning, including taint that crosses step
outputs, job outputs, local composite actions and local reusable workflows."""

from __future__ import annotations

from policies.base import Severity
from tests.policies.workflows.helpers import findings, run


def test_comment_body_in_github_script_is_critical_with_the_exact_position() -> None:
    analysis = run("""\
    on: issue_comment
    jobs:
      react:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/github-script@v7
            with:
              script: |
                const body = `${{ github.event.comment.body }}`;
                console.log(body);
    """)
    [finding] = findings(analysis, "expression-injection")
    assert finding.severity is Severity.CRITICAL
    assert (finding.evidence[0].line, finding.evidence[0].column) == (9, 27)
    assert "actions/github-script script" in finding.message


def test_pull_request_title_on_plain_pull_request_is_only_low() -> None:
    analysis = run("""\
    on: pull_request
    jobs:
      lint:
        runs-on: ubuntu-latest
        steps:
          - run: echo "${{ github.event.pull_request.title }}" | npx commitlint
    """)
    assert [f.severity for f in findings(analysis, "expression-injection")] == [Severity.LOW]


def test_boolean_results_and_numbers_carry_no_text() -> None:
    analysis = run("""\
    on: pull_request_target
    jobs:
      check:
        runs-on: ubuntu-latest
        steps:
          - run: |
              echo "${{ contains(github.event.pull_request.title, 'WIP') }}"
              echo "${{ github.event.pull_request.number }} ${{ github.event.pull_request.head.sha }}"
              echo "${{ startsWith(github.head_ref, 'release/') && 'yes' || 'no' }}"
    """)
    assert findings(analysis, "expression-injection") == []


def test_either_side_of_an_or_can_carry_the_value() -> None:
    analysis = run("""\
    on: pull_request_target
    jobs:
      check:
        runs-on: ubuntu-latest
        steps:
          - run: echo "${{ github.event.pull_request.body || 'none' }}"
    """)
    assert findings(analysis, "expression-injection")[0].severity is Severity.CRITICAL


def test_review_body_is_high_because_any_reviewer_reaches_same_repository_runs() -> None:
    analysis = run("""\
    on:
      pull_request_review:
        types: [submitted]
    jobs:
      bot:
        runs-on: ubuntu-latest
        steps:
          - run: echo "${{ github.event.review.body }}" && echo "${{ github.event.pull_request.title }}"
    """)
    [finding] = findings(analysis, "expression-injection")
    assert finding.severity is Severity.HIGH
    assert "github.event.review.body" in finding.message


def test_text_copied_into_a_step_output_is_still_untrusted() -> None:
    analysis = run("""\
    on: issue_comment
    jobs:
      parse:
        runs-on: ubuntu-latest
        steps:
          - id: comment
            env:
              BODY: ${{ github.event.comment.body }}
            run: echo "body=$BODY" >> "$GITHUB_OUTPUT"
          - uses: actions/github-script@v7
            with:
              script: const body = '${{ steps.comment.outputs.body }}'
    """)
    [finding] = findings(analysis, "expression-injection")
    assert finding.evidence[0].line == 12


def test_branch_name_through_a_job_output_reaches_another_job() -> None:
    analysis = run("""\
    on: pull_request_target
    jobs:
      version:
        runs-on: ubuntu-latest
        outputs:
          version: ${{ steps.v.outputs.version }}
        steps:
          - id: v
            env:
              REF: ${{ github.event.pull_request.head.ref }}
            run: echo "version=1.0-$REF" >> "$GITHUB_OUTPUT"
      build:
        needs: version
        runs-on: ubuntu-latest
        steps:
          - run: dotnet build -p:Version=${{ needs.version.outputs.version }}
    """)
    [finding] = findings(analysis, "expression-injection")
    assert "github.event.pull_request.head.ref" in finding.message


def test_taint_crosses_into_a_local_composite_action() -> None:
    analysis = run(
        """\
        on: issues
        jobs:
          triage:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
              - uses: ./.github/actions/label
                with:
                  title: ${{ github.event.issue.title }}
        """,
        **{
            ".github__actions__label__action.yml": """\
        name: label
        inputs:
          title: {}
        runs:
          using: composite
          steps:
            - shell: bash
              run: echo "${{ inputs.title }}"
        """
        },
    )
    [finding] = findings(analysis, "expression-injection")
    assert finding.severity is Severity.CRITICAL
    assert [(e.path, e.line) for e in finding.evidence] == [
        (".github/workflows/ci.yml", 7),
        (".github/actions/label/action.yml", 8),
    ]


def test_taint_crosses_into_a_local_reusable_workflow() -> None:
    analysis = run(
        """\
        on: issue_comment
        jobs:
          call:
            uses: ./.github/workflows/reply.yml
            with:
              text: ${{ github.event.comment.body }}
            secrets: inherit
        """,
        **{
            ".github__workflows__reply.yml": """\
        on:
          workflow_call:
            inputs:
              text: {type: string}
        jobs:
          reply:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ inputs.text }}"
        """
        },
    )
    [finding] = findings(analysis, "expression-injection")
    assert finding.severity is Severity.CRITICAL
    assert finding.evidence[-1].path == ".github/workflows/reply.yml"


def test_composite_action_alone_reports_its_inputs_at_low_confidence() -> None:
    analysis = run(
        """\
        name: greet
        inputs:
          who: {}
        runs:
          using: composite
          steps:
            - shell: bash
              run: echo "hello ${{ inputs.who }}"
        """,
        path="action.yml",
    )
    [finding] = findings(analysis, "expression-injection", "action.yml")
    assert finding.severity is Severity.LOW
    assert finding.confidence == "low"


def test_artifact_contents_interpolated_into_a_script() -> None:
    analysis = run("""\
    on: workflow_run
    permissions:
      pull-requests: write
    jobs:
      comment:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/download-artifact@v4
            with:
              name: pr
              path: ${{ runner.temp }}/pr
              run-id: ${{ github.event.workflow_run.id }}
          - id: pr
            run: echo "number=$(cat "$RUNNER_TEMP/pr/number")" >> "$GITHUB_OUTPUT"
          - uses: actions/github-script@v7
            with:
              script: |
                github.rest.issues.createComment({issue_number: ${{ steps.pr.outputs.number }}})
    """)
    [finding] = findings(analysis, "expression-injection")
    assert "artifact" in finding.message


def test_issue_body_written_to_github_env_through_an_env_variable() -> None:
    analysis = run("""\
    on: issues
    jobs:
      record:
        runs-on: ubuntu-latest
        steps:
          - env:
              BODY: ${{ github.event.issue.body }}
            run: echo "ISSUE_BODY=$BODY" >> "$GITHUB_ENV"
          - run: npm run notify
    """)
    [finding] = findings(analysis, "untrusted-env-write")
    assert finding.severity is Severity.HIGH
    assert finding.evidence[0].line == 8


def test_branch_names_cannot_add_variables_to_github_env() -> None:
    analysis = run("""\
    on: pull_request_target
    jobs:
      record:
        runs-on: ubuntu-latest
        steps:
          - env:
              BRANCH: ${{ github.head_ref }}
            run: echo "BRANCH=$BRANCH" >> "$GITHUB_ENV"
    """)
    assert findings(analysis, "untrusted-env-write") == []
