"""Hostile webhooks: payloads generated from GitHub's webhook schemas (every event and action the vendored
subset describes), some anchored to a real installed repository so the policies read GitHub, some with
values swapped for the wrong type or an absurd size, and raw requests of any shape.

Whatever arrives, the receiver never answers 500; a stored delivery always ends with a recorded outcome
(done, ignored with its reason, or failed with its error, to be retried or dead); and no worker ever
meets an exception that is not a refusal of the payload or an answer from GitHub (a KeyError, a
TypeError, a database refusing a value would be a bug).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guard.events import Event, EventError, parse_event
from guard.inbox import DEAD, DONE, IGNORED, QUEUED
from tests.conftest import signed_headers
from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.shapes import repository_json
from tests.reliability.schema_payloads import TEXT, hostile, payloads, webhook_kinds
from tests.support.scenario import Scenario

WEBHOOKS = webhook_kinds()
BUGS = re.compile(
    r"\b(KeyError|TypeError|AttributeError|ValueError|IndexError|AssertionError|RecursionError|"
    r"Unicode\w*Error|OverflowError|ZeroDivisionError|DataError|IntegrityError|StatementError|"
    r"ProgrammingError|JSONDecodeError|NotImplementedError|LookupError)\b"
)
FUZZ = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)


def installed(double: GitHubDouble) -> dict[str, Any]:
    """The parts of a delivery that point at a real installed repository (set up once per test)."""
    if double.state.repo("acme/widgets") is None:
        double.add_installation("acme")
        double.add_repo("acme/.github", files={"guard.yml": "fork_secrets:\n  mode: observe\n"})
        double.add_repo("acme/widgets", files={".github/workflows/ci.yml": "on: push\njobs: {}\n"})
    repo = double.state.repo("acme/widgets")
    assert repo is not None
    installation = double.state.installation_for(repo.owner)
    assert installation is not None
    return {
        "installation": {"id": installation.id},
        "repository": repository_json(double.base_url, repo, full=False),
        "organization": {"login": "acme", "id": repo.owner.id},
    }


def post(scenario: Scenario, event: str, body: bytes, delivery_id: str) -> int:
    answer = scenario.client.post(
        "/api/github/webhooks", data=body, headers=signed_headers(body, event, delivery_id)
    )
    assert answer.status_code != 500, answer.get_data(as_text=True)
    return answer.status_code


def assert_outcome_recorded(scenario: Scenario, delivery_id: str) -> None:
    row = scenario.delivery(delivery_id)
    assert row["state"] in (DONE, IGNORED, DEAD, QUEUED), row["state"]
    if row["state"] != DONE:
        assert row["last_error"], f"{row['state']} without a recorded reason"
    error = row["last_error"] or ""
    assert not BUGS.search(error), error


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_any_schema_shaped_delivery_is_stored_and_ends_with_a_recorded_outcome(
    data: st.DataObject, guard_app: Scenario, github_double: GitHubDouble
) -> None:
    event, action = data.draw(st.sampled_from(WEBHOOKS), label="webhook")
    payload = data.draw(payloads(event, action), label="payload")
    if data.draw(st.booleans(), label="anchored to an installed repository"):
        payload |= installed(github_double)
    payload = data.draw(hostile(payload), label="hostile")
    delivery_id = str(uuid.uuid4())
    status = post(guard_app, event, json.dumps(payload).encode(), delivery_id)
    assert status in (200, 202), status  # 200: a ping
    guard_app.process()
    assert_outcome_recorded(guard_app, delivery_id)


def parsed_or_refused(event: str, payload: dict[str, Any]) -> Event | EventError:
    try:
        return parse_event(event, payload)
    except EventError as error:
        return error


@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_parsing_a_schema_shaped_payload_gives_an_event_or_a_clear_refusal(data: st.DataObject) -> None:
    event, action = data.draw(st.sampled_from(WEBHOOKS), label="webhook")
    payload = data.draw(hostile(data.draw(payloads(event, action))), label="payload")
    outcome = parsed_or_refused(event, payload)
    if isinstance(outcome, EventError):
        assert str(outcome).startswith(f"{event} event: ")
    else:
        assert outcome.name == event


HEADER_TEXT = TEXT.map(lambda text: re.sub(r"[\r\n\x00]", "", text))  # not sendable in a header at all
HEADER_VALUES = st.one_of(st.none(), HEADER_TEXT, st.sampled_from(["push", "ping", "guard_sweep", "x" * 70]))
BODIES = st.one_of(
    st.binary(max_size=300),
    TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [b"[]", b"null", b'"x"', b"{}", b'{"a":' * 2000, b'{"zen": "\\ud800"}', b"\xef\xbb\xbf{}"]
    ),
)


@settings(FUZZ, max_examples=150)
@given(
    body=BODIES,
    event=HEADER_VALUES,
    delivery=HEADER_VALUES,
    hook=HEADER_VALUES,
    content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1", ""]),
    sign=st.booleans(),
)
def test_any_request_gets_a_clear_answer_never_a_500(
    body: bytes,
    event: str | None,
    delivery: str | None,
    hook: str | None,
    content_type: str,
    sign: bool,
    guard_app: Scenario,
) -> None:
    headers = signed_headers(body, "push", "x")
    if not sign:
        headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    for name, value in (
        ("X-GitHub-Event", event),
        ("X-GitHub-Delivery", delivery),
        ("X-GitHub-Hook-ID", hook),
    ):
        headers.pop(name, None)
        if value is not None:
            headers[name] = value.encode("utf-8", "surrogatepass").decode("latin-1")
    headers["Content-Type"] = content_type
    answer = guard_app.client.post("/api/github/webhooks", data=body, headers=headers)
    assert answer.status_code in (200, 202, 400, 401, 413, 415), answer.status_code
    if answer.status_code >= 400:
        assert answer.get_json()["error"]
    guard_app.process()


@pytest.mark.parametrize(
    "change",
    [
        {"action": "x" * 300},
        {"installation": {"id": True}},
        {"installation": {"id": 2**64}},
        {"repository": {"full_name": "acme/\u0000widgets", "owner": {"login": "acme"}}},
        {"repository": {"full_name": "acme/\ud800", "owner": {"login": "acme"}}},
        {"zen": "\u0000 and \udfff in a value", "\u0000key": 1},
    ],
    ids=[
        "long-action",
        "boolean-installation",
        "huge-installation",
        "nul-name",
        "surrogate-name",
        "nul-value",
    ],
)
def test_values_no_database_column_can_hold_are_stored_and_processed_not_answered_500(
    change: dict[str, Any], guard_app: Scenario
) -> None:
    payload = {"zen": "Keep it logically awesome.", "hook_id": 1, "action": "created", **change}
    delivery_id = str(uuid.uuid4())
    assert post(guard_app, "ping", json.dumps(payload).encode(), delivery_id) == 200
    assert_outcome_recorded(guard_app, delivery_id)


def test_a_body_in_another_encoding_than_utf8_is_refused_as_not_json(guard_app: Scenario) -> None:
    body = json.dumps({"zen": "x", "hook_id": 1}).encode("utf-16")
    assert post(guard_app, "ping", body, str(uuid.uuid4())) == 400


def test_a_push_whose_texts_hold_nul_and_lone_surrogates_is_decided_and_recorded(
    guard_app: Scenario, github_double: GitHubDouble
) -> None:
    installed(github_double)
    before = github_double.head("acme/widgets")
    after = github_double.put_file("acme/widgets", "main", ".github/guard.yml", "fork_secrets: {mode: off}\n")
    payload = webhooks.push(github_double, "acme/widgets", "refs/heads/main", before, after)
    payload["head_commit"]["message"] = "fix\u0000 \ud800"
    payload["pusher"]["name"] = "mallory\u0000"
    delivery_id = str(uuid.uuid4())
    assert post(guard_app, "push", json.dumps(payload).encode(), delivery_id) == 202
    guard_app.process()
    row = guard_app.delivery(delivery_id)
    assert row["state"] == DONE, row["last_error"]
    assert guard_app.decisions(delivery_id)
