"""``/api/alerts``: token refusals, filters, cursor pages and state changes, each answer checked against
the OpenAPI description in docs/alerts-api.yaml.
"""

from __future__ import annotations

import urllib.parse

import pytest
from flask.testing import FlaskClient

from guard import alert_chain
from guard.alerts import AlertStore
from guard.services import Services
from guard.tokens import TokenStore
from policies.base import Severity
from tests.feed.openapi import check, description
from tests.feed.support import bearer, spec, ticking_store

LIST = "/api/alerts"
DETAIL = "/api/alerts/{id}"


@pytest.fixture
def store(services: Services) -> AlertStore:
    return ticking_store(services.db)


@pytest.fixture
def token(services: Services) -> str:
    return TokenStore(services.db).create("siem")


def listed(client: FlaskClient, token: str, **query: str) -> list[str]:
    answer = client.get(LIST, query_string=query, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    return [alert["title"] for alert in check(answer, LIST)["alerts"]]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "an API token is needed"),
        (bearer("pgt_" + "x" * 43), "not valid"),
        (bearer("not-a-token"), "not valid"),
        ({"Authorization": "Basic c2llbTpwZ3Rf"}, "an API token is needed"),
    ],
)
def test_requests_without_a_valid_token_are_refused(
    client: FlaskClient, store: AlertStore, headers: dict[str, str], reason: str
) -> None:
    store.raise_alert(spec(1))
    for path, method, documented in (
        (LIST, "get", LIST),
        ("/api/alerts/1", "get", DETAIL),
        ("/api/alerts/1/acknowledge", "post", "/api/alerts/{id}/acknowledge"),
    ):
        answer = client.open(path, method=method, headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="pipeline-guard"'
        assert reason in check(answer, documented, method)["error"]
    assert _state(client, store, 1) == "open"


def _state(client: FlaskClient, store: AlertStore, alert_id: int) -> str:
    token = TokenStore(store.db).create(f"reader-{alert_id}")
    state: str = client.get(f"/api/alerts/{alert_id}", headers=bearer(token)).get_json()["state"]
    return state


def test_a_revoked_token_is_refused(client: FlaskClient, services: Services, token: str) -> None:
    assert client.get(LIST, headers=bearer(token)).status_code == 200
    TokenStore(services.db).revoke("siem")
    answer = client.get(LIST, headers=bearer(token))
    assert answer.status_code == 401
    assert "revoked" in check(answer, LIST)["error"]


def test_filters_select_matching_alerts(client: FlaskClient, store: AlertStore, token: str) -> None:
    store.raise_alert(spec(1, Severity.LOW))
    store.raise_alert(spec(2, Severity.CRITICAL, policy="config", rule="invalid-config"))
    store.raise_alert(spec(3, Severity.MEDIUM, repository="acme/gadgets"))
    store.acknowledge(2, "alice")
    assert listed(client, token) == ["alert 2", "alert 3", "alert 1"]
    assert listed(client, token, min_severity="medium") == ["alert 2", "alert 3"]
    assert listed(client, token, policy="config") == ["alert 2"]
    assert listed(client, token, repository="acme/gadgets") == ["alert 3"]
    assert listed(client, token, state="open") == ["alert 3", "alert 1"]
    assert listed(client, token, since="2027-01-15T08:00:02Z") == ["alert 2", "alert 3"]
    assert listed(client, token, state="open", min_severity="low", repository="acme/widgets") == ["alert 1"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"min_severity": "severe"}, "unknown severity 'severe'"),
        ({"policy": "nope"}, "policy must be one of"),
        ({"state": "closed"}, "state must be one of"),
        ({"since": "soon"}, "since must be an ISO 8601 time"),
        ({"limit": "500"}, "limit must be a whole number from 1 to 200"),
        ({"cursor": "garbage"}, "cursor is not valid"),
    ],
)
def test_unusable_filters_are_a_400_that_says_why(
    client: FlaskClient, token: str, query: dict[str, str], message: str
) -> None:
    answer = client.get(LIST, query_string=query, headers=bearer(token))
    assert answer.status_code == 400
    assert message in check(answer, LIST)["error"]


def test_pages_follow_the_cursor_and_link_header_to_the_end(
    client: FlaskClient, store: AlertStore, token: str
) -> None:
    for number in range(7):
        store.raise_alert(spec(number, Severity.HIGH if number % 2 else Severity.LOW))
    titles: list[str] = []
    url: str | None = f"{LIST}?min_severity=high&limit=2"
    while url is not None:
        answer = client.get(url, headers=bearer(token))
        body = check(answer, LIST)
        titles += [alert["title"] for alert in body["alerts"]]
        link = answer.headers.get("Link")
        assert (link is None) == (body["next_cursor"] is None)
        url = link.split(">", 1)[0].lstrip("<") if link else None
        if url is not None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            assert query["min_severity"] == ["high"]
            assert query["cursor"] == [body["next_cursor"]]
    assert titles == ["alert 5", "alert 3", "alert 1"]


def test_one_alert_has_every_documented_field(client: FlaskClient, store: AlertStore, token: str) -> None:
    store.raise_alert(spec(1))
    store.raise_alert(spec(1, Severity.CRITICAL))
    body = check(client.get("/api/alerts/1", headers=bearer(token)), DETAIL)
    assert body["count"] == 2
    assert body["severity"] == "critical"
    assert body["created_at"] == "2027-01-15T08:00:00.000Z"
    assert body["updated_at"] == "2027-01-15T08:00:01.000Z"
    assert (body["actor"], body["subject"], body["state"]) == ("mallory", "refs/heads/b1", "open")
    missing = client.get("/api/alerts/99", headers=bearer(token))
    assert missing.status_code == 404
    assert check(missing, DETAIL) == {"error": "no alert 99"}


def change(client: FlaskClient, token: str, alert_id: int, what: str, **body: object) -> tuple[int, dict]:
    answer = client.post(f"/api/alerts/{alert_id}/{what}", json=body or None, headers=bearer(token))
    return answer.status_code, check(answer, f"/api/alerts/{{id}}/{what}", "post")


def test_acknowledge_then_resolve_records_who_when_and_the_note(
    client: FlaskClient, store: AlertStore, token: str
) -> None:
    store.raise_alert(spec(1))
    status, body = change(client, token, 1, "acknowledge", note="on it")
    assert status == 200
    assert (body["state"], body["state_by"], body["state_note"]) == ("acknowledged", "token:siem", "on it")
    assert body["state_at"] == body["updated_at"]
    status, body = change(client, token, 1, "acknowledge")
    assert status == 409
    assert body["error"] == "alert 1 is acknowledged; it cannot be acknowledged"
    status, body = change(client, token, 1, "resolve", note="protection restored")
    assert (status, body["state"], body["state_note"]) == (200, "resolved", "protection restored")
    assert change(client, token, 1, "resolve")[0] == 409
    assert change(client, token, 1, "acknowledge")[0] == 409
    assert listed(client, token, state="resolved") == ["alert 1"]
    assert alert_chain.verify(store.db).broken is None


def test_an_open_alert_can_be_resolved_directly_and_a_repeat_opens_a_new_one(
    client: FlaskClient, store: AlertStore, token: str
) -> None:
    store.raise_alert(spec(1))
    assert change(client, token, 1, "resolve")[1]["state"] == "resolved"
    assert store.raise_alert(spec(1)) == 2
    assert listed(client, token, state="open") == ["alert 1"]


@pytest.mark.parametrize(
    "body",
    [b"[]", b"not json", b'{"note": 5}', b'{"note": "x", "extra": 1}', b'{"note": "' + b"x" * 4001 + b'"}'],
)
def test_state_change_bodies_that_cannot_be_used_are_a_400(
    client: FlaskClient, store: AlertStore, token: str, body: bytes
) -> None:
    store.raise_alert(spec(1))
    answer = client.post(
        "/api/alerts/1/acknowledge", data=body, content_type="application/json", headers=bearer(token)
    )
    assert answer.status_code == 400
    check(answer, "/api/alerts/{id}/acknowledge", "post")
    assert listed(client, token, state="open") == ["alert 1"]


def test_changing_an_unknown_alert_is_a_404(client: FlaskClient, token: str) -> None:
    assert change(client, token, 42, "resolve") == (404, {"error": "no alert 42"})


def test_every_documented_operation_is_served(client: FlaskClient) -> None:
    routes = client.application.url_map.bind("localhost")
    for path, operations in description()["paths"].items():
        for method in operations:
            endpoint, _ = routes.match(path.replace("{id}", "1"), method=method.upper())
            assert endpoint.startswith("alerts_")


def test_metrics_accept_a_valid_token_and_refuse_a_revoked_one(
    client: FlaskClient, services: Services, token: str
) -> None:
    assert client.get("/metrics", headers=bearer(token)).status_code == 200
    TokenStore(services.db).revoke("siem")
    assert client.get("/metrics", headers=bearer(token)).status_code == 401
