"""The webhook receiver: every answer GitHub can get, and what is (and is not) stored."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from guard.db import Database, deliveries
from guard.routing import Route, Router
from guard.services import Services, build_services
from guard.settings import Settings
from guard.web import create_app
from guard.webhook import sign, verify_signature
from tests.conftest import WEBHOOK_SECRET, encode, signed_headers

PUSH = {
    "ref": "refs/heads/main",
    "installation": {"id": 77},
    "repository": {"full_name": "acme/widgets", "owner": {"login": "acme"}},
    "organization": {"login": "acme"},
}


@pytest.fixture
def services(settings: Settings) -> Services:
    """Services whose handler table handles ``push`` only, so other events are ignored."""
    return build_services(
        settings, router=Router([Route("test", "push", frozenset(), lambda event, ctx: [])])
    )


def stored(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.select(deliveries).order_by(deliveries.c.id))]


def post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/github/webhooks", data=body, headers=headers)
    return response.status_code, response.get_json(silent=True) or {}


def test_githubs_published_signature_test_vector_verifies() -> None:
    header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert verify_signature(b"Hello, World!", header, ["It's a Secret to Everybody"])
    assert sign(b"Hello, World!", "It's a Secret to Everybody") == header
    assert not verify_signature(b"Hello, World!", header, ["another secret"])
    assert not verify_signature(
        b"Hello, World!", header.replace("sha256=", "sha1="), ["It's a Secret to Everybody"]
    )


def test_a_signed_delivery_is_stored_before_the_202(client: FlaskClient, services: Services) -> None:
    body = encode(PUSH)
    status, answer = post(client, body, signed_headers(body, "push", "d-1"))
    assert (status, answer["status"]) == (202, "accepted")
    [row] = stored(services.db)
    assert (row["delivery_id"], row["event"], row["state"], row["installation_id"], row["repository"]) == (
        "d-1",
        "push",
        "queued",
        77,
        "acme/widgets",
    )
    assert row["payload"] == body.decode()


def test_a_redelivery_with_the_same_id_is_answered_200_and_stored_once(
    client: FlaskClient, services: Services
) -> None:
    body = encode(PUSH)
    assert post(client, body, signed_headers(body, "push", "d-2"))[0] == 202
    status, answer = post(client, body, signed_headers(body, "push", "d-2"))
    assert (status, answer["status"]) == (200, "duplicate")
    assert len(stored(services.db)) == 1


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=" + "0" * 64, "sha1=" + "0" * 40, "sha256=zz", sign(b"other body", WEBHOOK_SECRET)],
)
def test_a_missing_or_wrong_signature_is_401_stores_nothing_and_echoes_nothing(
    client: FlaskClient, services: Services, signature: str | None
) -> None:
    body = json.dumps({**PUSH, "marker": "do-not-echo-me"}).encode()
    headers = signed_headers(body, "push", "d-3")
    headers.pop("X-Hub-Signature-256")
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = client.post("/api/github/webhooks", data=body, headers=headers)
    assert response.status_code == 401
    assert b"do-not-echo-me" not in response.data
    assert stored(services.db) == []


def test_during_a_rotation_the_previous_secret_is_still_accepted(
    make_settings: Any, database_url: str
) -> None:
    settings = make_settings(
        DATABASE_URL=database_url,
        WEBHOOK_SECRET="the-new-secret-0123456789",
        WEBHOOK_SECRET_PREVIOUS=WEBHOOK_SECRET,
    )
    client = create_app(services=build_services(settings)).test_client()
    body = encode(PUSH)
    assert post(client, body, signed_headers(body, "ping", "old", secret=WEBHOOK_SECRET))[0] == 200
    assert (
        post(client, body, signed_headers(body, "ping", "new", secret="the-new-secret-0123456789"))[0] == 200
    )
    assert post(client, body, signed_headers(body, "ping", "bad", secret="some-other-secret-0123"))[0] == 401


@pytest.mark.parametrize(
    ("drop", "body", "reason"),
    [
        ("X-GitHub-Event", encode(PUSH), "missing X-GitHub-Event or X-GitHub-Delivery header"),
        ("X-GitHub-Delivery", encode(PUSH), "missing X-GitHub-Event or X-GitHub-Delivery header"),
        (None, b"{not json", "body is not valid JSON"),
        (None, b"[1, 2]", "body is not a JSON object"),
        (None, b"\xff\xfe", "body is not valid JSON"),
        (None, b'{"a":' * 2000, "body is nested too deeply to be a webhook payload"),
        (None, b'{"a":' * 5000 + b"1" + b"}" * 5000, "body is nested too deeply to be a webhook payload"),
    ],
)
def test_malformed_deliveries_are_400_with_a_clear_reason(
    client: FlaskClient, services: Services, drop: str | None, body: bytes, reason: str
) -> None:
    headers = signed_headers(body, "push", "d-4")
    if drop:
        headers.pop(drop)
    assert post(client, body, headers) == (400, {"error": reason})
    assert stored(services.db) == []


def test_a_form_encoded_delivery_is_415(client: FlaskClient) -> None:
    body = b"payload=%7B%7D"
    headers = {**signed_headers(body, "push", "d-5"), "Content-Type": "application/x-www-form-urlencoded"}
    assert post(client, body, headers)[0] == 415


def test_a_body_over_25_mib_is_413_without_being_read(client: FlaskClient, services: Services) -> None:
    class CountingStream(io.BytesIO):
        consumed = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            CountingStream.consumed += len(chunk)
            return chunk

    size = 26 * 1024 * 1024
    headers = {**signed_headers(b"", "push", "d-6"), "Content-Length": str(size)}
    response = client.post("/api/github/webhooks", input_stream=CountingStream(b"x" * size), headers=headers)
    assert response.status_code == 413
    assert CountingStream.consumed < 1024 * 1024
    assert stored(services.db) == []


def test_ping_is_answered_200_and_recorded(client: FlaskClient, services: Services) -> None:
    body = encode({"zen": "Keep it logically awesome.", "hook_id": 1})
    assert post(client, body, signed_headers(body, "ping", "d-7")) == (
        200,
        {"status": "pong", "delivery": "d-7", "event": "ping"},
    )
    assert [(r["event"], r["state"]) for r in stored(services.db)] == [("ping", "done")]


def test_an_event_no_policy_handles_is_202_and_recorded_as_ignored(
    client: FlaskClient, services: Services
) -> None:
    body = encode({"action": "created", "starred_at": None})
    status, answer = post(client, body, signed_headers(body, "star", "d-8"))
    assert (status, answer["status"]) == (202, "ignored")
    [row] = stored(services.db)
    assert (row["state"], row["last_error"]) == ("ignored", "no policy handles 'star' events")


def test_an_organisation_outside_guard_allowed_orgs_is_acknowledged_and_ignored(
    make_settings: Any, database_url: str
) -> None:
    settings = make_settings(DATABASE_URL=database_url, GUARD_ALLOWED_ORGS="Other-Org, second")
    services = build_services(settings, router=Router([Route("test", "push", frozenset(), lambda e, c: [])]))
    client = create_app(services=services).test_client()
    body = encode(PUSH)
    status, answer = post(client, body, signed_headers(body, "push", "d-9"))
    assert (status, answer["status"]) == (202, "ignored")
    [row] = stored(services.db)
    assert row["last_error"] == "account 'acme' is not in GUARD_ALLOWED_ORGS"


def test_a_full_inbox_answers_503_so_github_records_a_failure(make_settings: Any, database_url: str) -> None:
    settings = make_settings(DATABASE_URL=database_url, GUARD_INBOX_LIMIT="1")
    services = build_services(settings, router=Router([Route("test", "push", frozenset(), lambda e, c: [])]))
    client = create_app(services=services).test_client()
    first, second = encode(PUSH), encode({**PUSH, "n": 2})
    assert post(client, first, signed_headers(first, "push", "d-10"))[0] == 202
    response = client.post(
        "/api/github/webhooks", data=second, headers=signed_headers(second, "push", "d-11")
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert [row["delivery_id"] for row in stored(services.db)] == ["d-10"]


def test_an_unreachable_database_answers_503_never_2xx(make_settings: Any, tmp_path: Any) -> None:
    missing = tmp_path / "no-such-dir" / "guard.db"
    settings = make_settings(DATABASE_URL=f"sqlite:///{missing}")
    client = create_app(services=build_services(settings)).test_client()
    body = encode(PUSH)
    assert post(client, body, signed_headers(body, "ping", "d-12"))[0] == 503
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
