"""The check run on a pull request that changes a guard.yml: the proposal judges nothing, and reads well."""

from policies.config import ChangeKind, Level, Preview, diff, preview, preview_title, render_preview, resolve
from policies.config.render import MAX_PROBLEMS, SUMMARY_LIMIT, render_effective
from policies.markdown import code

from .helpers import REPO_FILE, org_layer, repo_layer

ORG = """fork_secrets:
  environments:
    production: {allowed_refs: [main]}
pipeline_review:
  reviewers: {teams: [security]}
  paths: ['scripts/ci/**']
locked: [pipeline_review.reviewers]
"""
REPO = "branch_protection:\n  branches:\n    - {pattern: legacy, allow_force_pushes: true}\n"
PROPOSED = """branch_protection:
  mode: enforce
  branches:
    - pattern: "release/*"
      required_approvals: 2
fork_secrets:
  environments:
    staging: {}
pipeline_review:
  reviewers: {users: [mallory]}
  paths: ["deploy/**"]
"""

EXPECTED_SUMMARY_START = """\
**`acme/api:.github/guard.yml` is valid.** Nothing is applied until this change lands on the default branch.

### What changes when it lands

| Setting | Now | After | Set by |
| --- | --- | --- | --- |
| `branch_protection.mode` | `observe` | `enforce` | repo |
| `branch_protection.branches[release/*]` | — | `{required_approvals: 2}` | repo |
| `fork_secrets.environments.staging` | — | all defaults | repo |
| `pipeline_review.paths` | `[scripts/ci/**]` | `[scripts/ci/**, deploy/**]` | repo |
| `branch_protection.branches[legacy]` | `{allow_force_pushes: true}` | — | — |

### Locked by the organisation

The organisation's `guard.yml` locks these keys, so the values set here will be ignored, and each will raise \
an alert once this lands:

- `acme/api:.github/guard.yml:10:15` sets `pipeline_review.reviewers.users`

<details>
<summary>Effective configuration after this change (48 settings)</summary>

| Setting | Value | Set by |
| --- | --- | --- |
| `branch_protection.mode` | `enforce` | repo |
| `branch_protection.semantics` | `floor` | default |
"""

EXPECTED_SUMMARY_END = """\
| `pipeline_review.paths` | `scripts/ci/**` (org), `deploy/**` (repo) | org, repo |
| `pipeline_review.approving_bots` | `[]` | default |
| `alerts.readers` | `[]` | default |
| `locked` | `[pipeline_review.reviewers]` | org |

</details>

Set by: **default** is the guard's built-in default, **org** is `acme/.github:guard.yml`, **repo** is \
`acme/api:.github/guard.yml`.
"""


def _preview(source: str | None = PROPOSED, level: Level = Level.REPO, file: str = REPO_FILE) -> Preview:
    return preview(
        source, file=file, level=level, org=org_layer(ORG), repo=repo_layer(REPO), repository="acme/api"
    )


def test_a_pull_request_is_judged_by_the_default_branch_configuration_not_its_own() -> None:
    judged = _preview("pipeline_review: {mode: off}\nbranch_protection: {mode: off}\n")
    in_force = resolve(org_layer(ORG), repo_layer(REPO)).config
    assert judged.current.config == in_force
    assert judged.current.config.pipeline_review.mode == "enforce"
    assert judged.proposed is not None
    assert judged.proposed.config.pipeline_review.mode == "off"


def test_the_summary_shows_changes_ignored_locks_and_the_effective_configuration() -> None:
    result = _preview()
    summary = render_preview(result)
    assert preview_title(result) == f"{REPO_FILE} is valid; 5 settings change"
    assert summary.startswith(EXPECTED_SUMMARY_START)
    assert summary.endswith(EXPECTED_SUMMARY_END)
    assert "| `fork_secrets.environments.staging.allowed_refs` | `[~default]` | default |" in summary


def test_a_broken_proposal_shows_its_errors_exactly_as_the_cli_prints_them() -> None:
    result = _preview("pipeline_review:\n  mode: enfroce\n  paths: [/x]\n")
    assert preview_title(result) == f"{REPO_FILE} has 2 errors"
    assert result.proposed is None
    assert (
        render_preview(result)
        == f"""\
**`{REPO_FILE}` has 2 errors.** If this change lands as it is, the guard refuses the file, keeps the \
configuration in force today and raises an alert.

```text
{REPO_FILE}:2:9: pipeline_review.mode: 'enfroce' is not one of off, observe, enforce (did you mean 'enforce'?)
{REPO_FILE}:3:11: pipeline_review.paths[0]: '/x' starts with '/'; paths are relative to the repository root: \
write 'x'
```
"""
    )


def test_an_unchanged_configuration_says_so() -> None:
    result = _preview(REPO)
    assert preview_title(result) == f"{REPO_FILE} is valid; the configuration does not change"
    assert "The effective configuration does not change." in render_preview(result)


def test_deleting_the_file_previews_the_configuration_without_it() -> None:
    changes = _preview(None).changes
    assert [(c.path, c.kind) for c in changes] == [("branch_protection.branches[legacy]", ChangeKind.REMOVED)]


def test_an_organisation_file_is_previewed_as_what_every_repository_inherits() -> None:
    result = _preview(
        "branch_protection: {mode: enforce}\nlocked: [branch_protection.mode]\n",
        Level.ORG,
        "acme/.github:guard.yml",
    )
    assert [(c.path, c.before, c.after) for c in result.changes] == [
        ("branch_protection.mode", "observe", "enforce"),
        ("pipeline_review.reviewers.teams", ["security"], []),
        ("pipeline_review.paths", ["scripts/ci/**"], []),
        ("locked", ["pipeline_review.reviewers"], ["branch_protection.mode"]),
        ("fork_secrets.environments.production", {"allowed_refs": ["main"]}, None),
    ]


def test_a_value_now_set_by_another_level_is_not_a_change() -> None:
    org = resolve(org_layer("branch_protection: {mode: enforce}")).config
    repo = resolve(None, repo_layer("branch_protection: {mode: enforce}")).config
    assert diff(org, repo) == ()


def test_file_values_cannot_break_out_of_their_table_cell() -> None:
    hostile = (
        "branch_protection:\n  branches:\n    - pattern: main\n      required_status_checks:\n"
        "        - context: 'ci | `x` <b>'\n"
    )
    table = render_effective(resolve(None, repo_layer(hostile)).config)
    assert "| `branch_protection.branches[main].required_status_checks[ci \\| `x` <b>].app_id` |" not in table
    assert "| ``branch_protection.branches[main].required_status_checks[ci \\| `x` <b>].app_id`` |" in table
    assert code("`edge`") == "`` `edge` ``"


def test_long_summaries_are_cut_to_fit_a_check_run() -> None:
    many_errors = "pipeline_review:\n  paths:\n" + "".join(f"    - /p{i}\n" for i in range(80))
    summary = render_preview(_preview(many_errors))
    assert summary.count("starts with '/'") == MAX_PROBLEMS
    assert "... and 30 more; run `guard config check` to see them all" in summary
    rules = "".join(f"    - pattern: rule-{i}-{'x' * 240}\n" for i in range(200))
    huge = render_preview(_preview(f"branch_protection:\n  branches:\n{rules}"))
    assert len(huge) <= SUMMARY_LIMIT
    assert huge.endswith("_The summary was cut to fit GitHub's size limit._\n")
