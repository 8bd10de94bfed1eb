"""Matching a workflow_run run to the runs that may have started it: by the workflows it listens to."""

from __future__ import annotations

from policies.fork_secrets.ancestry import WINDOW, SeenRun, upstream_names, upstream_origin, with_run
from policies.fork_secrets.origin import Origin

TRUSTED = Origin(False, "same-repository", "a push run")
FORKED = Origin(True, "fork-head", "its head is in mallory/widgets")
LISTENER = b"""\
on:
  workflow_run:
    workflows: [ci, "lint"]
    types: [completed]
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo
"""


def test_the_workflows_a_workflow_run_trigger_listens_to() -> None:
    assert upstream_names(LISTENER, ".github/workflows/release.yml") == {"ci", "lint"}
    assert upstream_names(b"on: workflow_run\njobs: {}\n", "x.yml") is None
    assert upstream_names(b"on: [\n", "x.yml") is None
    assert upstream_names(None, "x.yml") is None


def test_candidates_are_recent_runs_of_the_named_workflows_and_any_untrusted_one_wins() -> None:
    now = 10 * WINDOW
    seen = [
        SeenRun(1, "ci", TRUSTED, now - 60),
        SeenRun(2, "build", FORKED, now - 60),
        SeenRun(3, "ci", FORKED, now - WINDOW - 1),
    ]
    assert upstream_origin(seen, run_id=9, names=frozenset({"ci"}), now=now) == TRUSTED
    assert upstream_origin(seen, run_id=9, names=None, now=now) == FORKED
    assert upstream_origin(seen, run_id=1, names=frozenset({"ci"}), now=now) is None
    recent_fork = [*seen, SeenRun(4, "ci", FORKED, now - 5)]
    assert upstream_origin(recent_fork, run_id=9, names=frozenset({"ci"}), now=now) == FORKED


def test_a_run_seen_again_is_refreshed_not_repeated() -> None:
    first = with_run([], SeenRun(1, "ci", TRUSTED, 1.0))
    again = with_run(first, SeenRun(1, "ci", FORKED, 2.0))
    assert again == [SeenRun(1, "ci", FORKED, 2.0)]
    assert SeenRun.from_json(again[0].to_json()) == again[0]
