"""``guard feed verify`` finds the first broken link; ``guard feed export`` writes entries one can re-hash."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from guard.alerts import AlertStore
from guard.cli import main
from guard.db import Database, alert_events, alerts
from policies.base import AlertSpec, Severity
from tests.conftest import WEBHOOK_SECRET


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> AlertStore:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)
    ticks = itertools.count(1_800_000_000)
    store = AlertStore(Database(database_url), clock=lambda: float(next(ticks)))
    for number in (0, 1, 2, 0):
        store.raise_alert(
            AlertSpec(
                Severity.HIGH,
                "branch_protection",
                "weakened",
                f"alert {number}",
                "details",
                subject=str(number),
            )
        )
    store.acknowledge(1, "alice", "looking")
    store.resolve(2, "bob", "fixed")
    return store


def verify(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["feed", "verify"])
    return code, capsys.readouterr().out


def edit(store: AlertStore, statement: sa.Executable) -> None:
    with store.db.write() as conn:
        conn.execute(statement)


def test_an_untouched_chain_verifies(store: AlertStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify(capsys) == (0, "chain intact: 6 entries, 3 alerts match their last entry\n")


def test_an_alert_edited_in_the_database_is_reported(
    store: AlertStore, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(store, alerts.update().where(alerts.c.id == 2).values(severity=0, title="nothing to see"))
    code, out = verify(capsys)
    assert code == 1
    assert out.startswith("chain BROKEN at entry 6, alert 2: the alert differs from chain entry 6")
    assert "in severity, title (edited directly)" in out


def test_an_edited_entry_is_reported(store: AlertStore, capsys: pytest.CaptureFixture[str]) -> None:
    with store.db.read() as conn:
        record = conn.execute(sa.select(alert_events.c.record).where(alert_events.c.id == 2)).scalar_one()
    edit(store, alert_events.update().where(alert_events.c.id == 2).values(record=record.replace("3", "0")))
    code, out = verify(capsys)
    assert code == 1
    assert (
        out == "chain BROKEN at entry 2, alert 2: entry 2: its hash does not match its content "
        "(the entry was edited)\n"
    )


def test_a_removed_entry_is_reported(store: AlertStore, capsys: pytest.CaptureFixture[str]) -> None:
    edit(store, alert_events.delete().where(alert_events.c.id == 4))
    code, out = verify(capsys)
    assert code == 1
    assert out.startswith("chain BROKEN at entry 5, alert 1: entry 5: its previous hash does not match")


def test_deleted_and_smuggled_alerts_are_reported(
    store: AlertStore, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(store, alerts.delete().where(alerts.c.id == 3))
    assert verify(capsys) == (1, "chain BROKEN at entry 3, alert 3: the alert was deleted\n")
    with store.db.read() as conn:
        row = dict(conn.execute(sa.select(alerts).where(alerts.c.id == 1)).mappings().one())
    edit(store, alerts.insert().values({**row, "id": 9, "dedupe_key": "smuggled"}))
    assert verify(capsys) == (1, "chain BROKEN at alert 9: the alert is not in the chain\n")


def test_export_since_writes_entries_whose_hashes_can_be_recomputed(
    store: AlertStore, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["feed", "export", "--output", str(tmp_path / "all.jsonl")]) == 0
    lines = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert [line["id"] for line in lines] == [1, 2, 3, 4, 5, 6]
    for line in lines:
        canonical = json.dumps(line["entry"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(f"{line['prev_hash']}\n{canonical}".encode()).hexdigest() == line["hash"]
    assert [line["prev_hash"] for line in lines[1:]] == [line["hash"] for line in lines[:-1]]
    assert lines[4]["kind"] == "acknowledged"
    assert lines[4]["entry"]["alert"]["state_by"] == "alice"
    capsys.readouterr()
    assert lines[4]["at"] == "2027-01-15T08:00:04.000Z"
    assert main(["feed", "export", "--since", "2027-01-15T08:00:04Z"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["kind"] for line in out] == ["acknowledged", "resolved"]


def test_export_refuses_a_since_that_is_not_a_time(
    store: AlertStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feed", "export", "--since", "last week"]) == 2
    assert "since must be an ISO 8601 time" in capsys.readouterr().err
