"""``guard tokens create|list|revoke``: a token is printed once, stored only hashed, and revocable."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from guard.cli import main
from guard.db import Database, api_tokens
from guard.tokens import verify
from tests.conftest import WEBHOOK_SECRET


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Database:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return Database(database_url)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["tokens", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_created_token_is_printed_once_and_stored_only_as_a_hash(
    environment: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "create", "siem")
    raw = out.strip()
    assert code == 0
    assert raw.startswith("pgt_")
    assert "only time it is shown" in err
    with environment.read() as conn:
        stored = [tuple(row) for row in conn.execute(sa.select(api_tokens))]
    assert stored
    assert not any(raw in str(value) for row in stored for value in row)
    assert verify(environment, raw) == "siem"
    _, listed, _ = run(capsys, "list")
    assert "siem" in listed
    assert raw not in listed


def test_a_revoked_token_no_longer_verifies_and_its_name_can_be_reused(
    environment: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run(capsys, "create", "siem")[1].strip()
    assert run(capsys, "create", "siem")[0] == 2
    assert run(capsys, "revoke", "siem") == (0, "token 'siem' revoked\n", "")
    assert verify(environment, first) is None
    second = run(capsys, "create", "siem")[1].strip()
    assert verify(environment, second) == "siem"
    assert verify(environment, first) is None
    lines = run(capsys, "list")[1].splitlines()
    assert len([line for line in lines if line.startswith("siem")]) == 2


def test_revoking_an_unknown_name_fails(environment: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "revoke", "nobody")
    assert code == 1
    assert "no live token named 'nobody'" in err


@pytest.mark.parametrize("raw", ["", "pgt_", "pgt_" + "A" * 43, "Bearer x", "pgt_" + "é" * 43])
def test_malformed_or_unknown_tokens_do_not_verify(environment: Database, raw: str) -> None:
    assert verify(environment, raw) is None


def test_an_invalid_name_is_refused(environment: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "create", "no spaces")
    assert (code, out) == (2, "")
    assert "token name" in err
