"""A broken guard.yml changes nothing: the last valid version (or the defaults) stays, with an alert."""

import pytest

from policies.base import Severity
from policies.config import Layer, Level, adopt, parse, resolve

from .helpers import REPO_FILE

VALID = "pipeline_review:\n  required_approvals: 2\n"
OTHER = "pipeline_review:\n  required_approvals: 3\n"
BROKEN = "pipeline_review:\n  required_approvals: two\n"


def _previous(source: str | None) -> Layer | None:
    return parse(source, file=REPO_FILE, level=Level.REPO, sha="1111111").layer if source else None


@pytest.mark.parametrize(
    ("previous", "new", "approvals_in_force", "adopted"),
    [
        (None, VALID, 2, True),
        (None, BROKEN, 1, False),
        (VALID, BROKEN, 2, False),
        (VALID, OTHER, 3, True),
        (VALID, None, 1, True),
    ],
)
def test_what_is_in_force_after_a_file_lands(
    previous: str | None, new: str | None, approvals_in_force: int, adopted: bool
) -> None:
    adoption = adopt(_previous(previous), new, file=REPO_FILE, level=Level.REPO, repository="acme/api")
    assert adoption.adopted is adopted
    assert resolve(None, adoption.layer).config.pipeline_review.required_approvals == approvals_in_force


@pytest.mark.parametrize(
    ("previous", "title"),
    [
        (None, f"{REPO_FILE} is invalid; keeping the built-in defaults"),
        (VALID, f"{REPO_FILE} is invalid; keeping the last valid version (1111111)"),
    ],
)
def test_a_broken_file_raises_an_alert_with_its_errors(previous: str | None, title: str) -> None:
    adoption = adopt(_previous(previous), BROKEN, file=REPO_FILE, level=Level.REPO, repository="acme/api")
    (alert,) = adoption.alerts
    assert (alert.severity, alert.policy, alert.rule, alert.repository, alert.subject) == (
        Severity.MEDIUM,
        "config",
        "invalid-config",
        "acme/api",
        REPO_FILE,
    )
    assert alert.title == title
    assert alert.details == (
        "The new version was refused, so none of its settings apply:\n"
        f"{REPO_FILE}:2:23: pipeline_review.required_approvals: expected a whole number, "
        "got the string 'two'"
    )
    assert [str(p) for p in adoption.problems] == [alert.details.splitlines()[1]]


def test_a_file_with_many_errors_lists_the_first_twenty_in_its_alert() -> None:
    source = "pipeline_review:\n  paths:\n" + "".join(f"    - /p{i}\n" for i in range(25))
    (alert,) = adopt(None, source, file=REPO_FILE, level=Level.REPO).alerts
    lines = alert.details.splitlines()
    assert len(lines) == 22
    assert lines[-1] == "... and 5 more"


def test_a_valid_file_raises_no_alert() -> None:
    adoption = adopt(None, VALID, file=REPO_FILE, level=Level.REPO, sha="2222222")
    assert adoption.alerts == ()
    assert adoption.layer is not None
    assert adoption.layer.sha == "2222222"


def test_stored_layers_round_trip_through_json() -> None:
    layer = parse(
        "fork_secrets: {mode: observe}\nlocked: [fork_secrets.mode]\n",
        file="guard.yml",
        level=Level.ORG,
        sha="abc",
    ).layer
    assert layer is not None
    assert Layer.from_json(layer.to_json()) == layer


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data": {"fork_secrets": {"mode": "loose"}}}, "'loose' is not one of"),
        ({"data": {"colour": "blue"}}, "unknown key 'colour'"),
        ({"locked": ["fork_secrets.mode"]}, "'locked' is only allowed in the organisation's guard.yml"),
        ({"level": "org", "locked": ["fork_secrets.nope"]}, "cannot lock 'fork_secrets.nope'"),
    ],
)
def test_stored_layers_that_no_longer_validate_are_refused(change: dict[str, object], message: str) -> None:
    layer = parse("{}", file=REPO_FILE, level=Level.REPO).layer
    assert layer is not None
    with pytest.raises(ValueError, match=message):
        Layer.from_json({**layer.to_json(), **change})


def test_defaults_are_not_a_file() -> None:
    with pytest.raises(ValueError, match="not read from a file"):
        parse("{}", file="defaults", level=Level.DEFAULT)
