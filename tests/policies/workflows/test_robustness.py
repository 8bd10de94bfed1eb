"""Whatever shape a workflow has, the analyser reports findings or a positioned problem; it never raises."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.workflows import analyse

KEYS = st.sampled_from(
    [
        "on",
        "jobs",
        "steps",
        "run",
        "uses",
        "with",
        "env",
        "if",
        "needs",
        "permissions",
        "runs-on",
        "outputs",
        "ref",
        "repository",
        "path",
        "secrets",
        "strategy",
        "matrix",
        "environment",
        "types",
        "workflows",
        "id",
        "pull_request_target",
        "issue_comment",
        "workflow_run",
        "build",
        "test",
        "script",
        "inputs",
        "runs",
    ]
)
TEXT = st.sampled_from(
    [
        "actions/checkout@v4",
        "./.github/actions/x",
        "${{ github.event.issue.title }}",
        "npm ci",
        "${{ github.event.pull_request.head.sha }}",
        "refs/pull/${{ github.event.number }}/merge",
        "self-hosted",
        "${{ env.A }}",
        "${{ steps.a.outputs.b }}",
        "${{ needs.build.outputs.x }}",
        "${{ matrix.os }}",
        "write-all",
        "${{ fromJSON(steps.x.outputs.y).z }}",
        "echo $X >> $GITHUB_ENV",
        "gh pr checkout 1",
        "inherit",
        "",
        "${{",
        "}}",
        "${{ a ||| b }}",
        "contains(github.event.pull_request.labels.*.name, 'x')",
    ]
)
VALUES = st.recursive(
    st.one_of(TEXT, st.integers(), st.booleans(), st.none()),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_any_shape_yields_findings_or_a_reported_problem(document: dict[str, object]) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    analysis = analyse({".github/workflows/fuzz.yml": text, ".github/actions/x/action.yml": text})
    for path in (".github/workflows/fuzz.yml", ".github/actions/x/action.yml"):
        assert path in analysis.findings


STEP = st.dictionaries(
    st.sampled_from(["uses", "run", "with", "env", "if", "id", "name", "working-directory"]),
    VALUES,
    max_size=5,
)
JOB = st.fixed_dictionaries(
    {"runs-on": VALUES, "steps": st.lists(STEP, max_size=5)},
    optional={
        "if": TEXT,
        "needs": VALUES,
        "permissions": VALUES,
        "env": VALUES,
        "outputs": VALUES,
        "uses": TEXT,
        "with": VALUES,
        "secrets": VALUES,
        "environment": VALUES,
        "strategy": VALUES,
    },
)
WORKFLOW = st.fixed_dictionaries(
    {
        "on": st.one_of(KEYS, st.lists(KEYS, max_size=3), st.dictionaries(KEYS, VALUES, max_size=3)),
        "jobs": st.dictionaries(st.sampled_from(["a", "b", "build"]), JOB, min_size=1, max_size=3),
    },
    optional={"env": VALUES, "permissions": VALUES},
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(WORKFLOW)
def test_workflow_shaped_documents_never_raise(document: dict[str, object]) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    analysis = analyse({".github/workflows/fuzz.yml": text})
    assert ".github/workflows/fuzz.yml" in analysis.findings
