"""Publishing check runs on GitHub: created once, updated when the result changes, annotations batched."""

from __future__ import annotations

from dataclasses import replace

import pytest

from guard.actions.checks import publish
from guard.actions.registry import ActionContext
from guard.alerts import AlertStore
from guard.db import Database, DatabaseUnavailable
from guard.github import GitHub, GitHubError
from guard.state import StateStore
from policies.checks import CheckAnnotation, CheckButton, PublishCheckRun
from tests.github_double.double import GitHubDouble

CREATE = ("POST", "/repos/{owner}/{repo}/check-runs")
UPDATE = ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}")


@pytest.fixture
def ctx(github: GitHub, github_double: GitHubDouble, database_url: str) -> ActionContext:
    installation = github_double.add_installation("acme")
    github_double.add_repo("acme/widgets", files={"README.md": "hi\n"})
    db = Database(database_url)
    return ActionContext("d-1", github.installation(installation.id), AlertStore(db), StateStore(db))


def result(double: GitHubDouble, sha: str, conclusion: str | None = "action_required") -> PublishCheckRun:
    return PublishCheckRun(
        repository="acme/widgets",
        head_sha=sha,
        name="Pipeline Guard / review",
        conclusion=conclusion,
        title="Pipeline change needs an independent review",
        summary="`.github/workflows/ci.yml` changed.",
        buttons=(CheckButton("Re-evaluate", "Check the approvals again", "reevaluate"),),
    )


def test_a_result_is_published_once_and_republishing_it_costs_no_call(
    ctx: ActionContext, github_double: GitHubDouble
) -> None:
    sha = github_double.head("acme/widgets")
    action = result(github_double, sha)
    publish(action, ctx)
    publish(action, ctx)
    [created] = github_double.calls_to(*CREATE)
    assert created.body["conclusion"] == "action_required"
    assert created.body["actions"] == [
        {"label": "Re-evaluate", "description": "Check the approvals again", "identifier": "reevaluate"}
    ]
    assert github_double.calls_to(*UPDATE) == []


def test_a_changed_result_updates_the_same_run(ctx: ActionContext, github_double: GitHubDouble) -> None:
    sha = github_double.head("acme/widgets")
    publish(result(github_double, sha), ctx)
    publish(replace(result(github_double, sha), conclusion="success", title="Approved"), ctx)
    [run] = github_double.check_runs("acme/widgets")
    assert (run.conclusion, run.output["title"]) == ("success", "Approved")
    assert len(github_double.calls_to(*CREATE)) == 1


def test_more_than_fifty_annotations_go_in_batches_of_fifty(
    ctx: ActionContext, github_double: GitHubDouble
) -> None:
    sha = github_double.head("acme/widgets")
    annotations = tuple(
        CheckAnnotation(".github/workflows/ci.yml", n, n, "warning", f"finding {n}") for n in range(1, 121)
    )
    publish(replace(result(github_double, sha), annotations=annotations), ctx)
    [run] = github_double.check_runs("acme/widgets")
    assert len(run.annotations) == 120
    writes = github_double.calls_to(*CREATE) + github_double.calls_to(*UPDATE)
    assert [len(call.body["output"]["annotations"]) for call in writes] == [50, 50, 20]


def test_a_summary_over_githubs_limit_is_cut_and_says_so(
    ctx: ActionContext, github_double: GitHubDouble
) -> None:
    sha = github_double.head("acme/widgets")
    publish(replace(result(github_double, sha), summary="x" * 70_000), ctx)
    [created] = github_double.calls_to(*CREATE)
    summary = created.body["output"]["summary"]
    assert len(summary) == 65_535
    assert summary.endswith("the full result is in the guard's decision log)")


def test_an_invalid_conclusion_is_refused_before_reaching_github() -> None:
    with pytest.raises(ValueError, match="conclusion must be one of"):
        PublishCheckRun("acme/widgets", "a" * 40, "x", "passed", "t", "s")


def test_a_creation_whose_answer_was_lost_is_adopted_on_the_retry_not_made_twice(
    ctx: ActionContext, github_double: GitHubDouble
) -> None:
    sha = github_double.head("acme/widgets")
    github_double.drop_connection(*CREATE)  # GitHub never answers this one; the double created nothing
    github_double.delay(*CREATE, 0.0)
    with pytest.raises(GitHubError):
        publish(result(github_double, sha), ctx)
    publish(result(github_double, sha), ctx)
    [run] = github_double.check_runs("acme/widgets")
    assert run.conclusion == "action_required"


def test_a_run_created_by_an_attempt_that_died_before_recording_it_is_updated_not_duplicated(
    ctx: ActionContext, github_double: GitHubDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = github_double.head("acme/widgets")
    real_put = ctx.state.put
    calls = []

    def dies_after_creating(namespace: str, key: str, value: object) -> None:
        calls.append(value)
        if len(calls) == 2:  # the record made after GitHub created the run
            raise DatabaseUnavailable("database unavailable: OperationalError")
        real_put(namespace, key, value)

    monkeypatch.setattr(ctx.state, "put", dies_after_creating)
    with pytest.raises(DatabaseUnavailable):
        publish(result(github_double, sha), ctx)
    monkeypatch.setattr(ctx.state, "put", real_put)
    publish(result(github_double, sha, conclusion="success"), ctx)
    [run] = github_double.check_runs("acme/widgets")
    assert run.conclusion == "success"
    assert len(github_double.calls_to(*CREATE)) == 1
