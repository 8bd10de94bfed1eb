"""Tamper evidence for the alert feed: every insert, repeat and state change is appended to a hash chain.

Each entry in ``alert_events`` holds the alert as it stood after the change, the hash of the previous
entry and its own hash over both. ``verify`` walks the chain and compares every alert with its last
entry, so an entry or an alert edited, deleted or added outside the guard shows as a broken link. An
attacker who can rewrite the whole database can rebuild the chain; ``guard feed export`` lets the hashes
be archived elsewhere so such a rewrite is caught by comparing the archive.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from guard.db import Database, alert_events, alerts

GENESIS = "0" * 64
CHAIN_LOCK = 0x616C657274  # pg_advisory_xact_lock key serialising appends ("alert")
_BATCH = 2000


@dataclass(frozen=True)
class BrokenLink:
    """Where the chain first fails to hold, and why."""

    event_id: int | None
    alert_id: int | None
    reason: str


@dataclass(frozen=True)
class Verification:
    entries: int
    alerts: int
    broken: BrokenLink | None


def snapshot(conn: Connection, alert_id: int) -> dict[str, Any]:
    """The stored alert row as plain JSON data (every column)."""
    row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).one()
    return dict(row._mapping)


def entry_hash(prev_hash: str, record: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{record}".encode()).hexdigest()


def lock(conn: Connection) -> None:
    """Serialise alert writes until the transaction ends, so links never fork (SQLite writes are serial)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK)))


def append(conn: Connection, alert_id: int, kind: str, at: float) -> str:
    """Record the alert's current row as the next link, inside the caller's transaction; returns its hash."""
    lock(conn)
    prev_hash = conn.execute(
        sa.select(alert_events.c.hash).order_by(alert_events.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    prev_hash = prev_hash or GENESIS
    body = {"alert_id": alert_id, "kind": kind, "at": at, "alert": snapshot(conn, alert_id)}
    record = canonical(body)
    digest = entry_hash(prev_hash, record)
    conn.execute(
        alert_events.insert().values(
            alert_id=alert_id, kind=kind, at=at, record=record, prev_hash=prev_hash, hash=digest
        )
    )
    return digest


def entries(db: Database, since: float | None = None) -> Iterator[sa.RowMapping]:
    """Chain entries in order (from ``since`` on, when given), read in batches."""
    last_id = 0
    while True:
        query = sa.select(alert_events).where(alert_events.c.id > last_id)
        if since is not None:
            query = query.where(alert_events.c.at >= since)
        with db.read() as conn:
            batch = list(conn.execute(query.order_by(alert_events.c.id).limit(_BATCH)).mappings())
        yield from batch
        if len(batch) < _BATCH:
            return
        last_id = batch[-1]["id"]


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(alert: Any) -> str:
    return hashlib.sha256(canonical(alert).encode()).hexdigest()


def _check_entry(entry: sa.RowMapping, prev_hash: str) -> tuple[str | None, Any]:
    """Why this entry breaks the chain (or None), and the alert it records."""
    if entry["prev_hash"] != prev_hash:
        return "its previous hash does not match the entry before it (an entry was removed or edited)", None
    if entry_hash(prev_hash, entry["record"]) != entry["hash"]:
        return "its hash does not match its content (the entry was edited)", None
    try:
        body = json.loads(entry["record"])
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("alert"), dict):
        return "its record is not an alert entry (the entry was rewritten)", None
    if body.get("alert_id") != entry["alert_id"] or body.get("kind") != entry["kind"]:
        return "its columns disagree with its hashed record (the entry was edited)", None
    return None, body.get("alert")


Latest = dict[int, tuple[int, str]]  # alert id -> (its last entry's id, digest of the alert it records)


def _walk(db: Database) -> tuple[int, Latest, BrokenLink | None]:
    """Check every link; where each alert was last recorded."""
    prev_hash, count, latest = GENESIS, 0, Latest()
    for entry in entries(db):
        reason, recorded = _check_entry(entry, prev_hash)
        if reason is not None:
            return count, latest, BrokenLink(entry["id"], entry["alert_id"], f"entry {entry['id']}: {reason}")
        latest[entry["alert_id"]] = (entry["id"], _digest(recorded))
        prev_hash, count = entry["hash"], count + 1
    return count, latest, None


def _stored_alerts(db: Database) -> Iterator[dict[str, Any]]:
    last_id = 0
    while True:
        query = sa.select(alerts).where(alerts.c.id > last_id).order_by(alerts.c.id).limit(_BATCH)
        with db.read() as conn:
            batch = [dict(row._mapping) for row in conn.execute(query)]
        yield from batch
        if len(batch) < _BATCH:
            return
        last_id = batch[-1]["id"]


def _differences(db: Database, row: dict[str, Any], event_id: int) -> str:
    """The columns in which a stored alert differs from the chain entry that last recorded it."""
    with db.read() as conn:
        record = conn.execute(
            sa.select(alert_events.c.record).where(alert_events.c.id == event_id)
        ).scalar_one()
    recorded = json.loads(record)["alert"]
    changed = sorted(name for name in row.keys() | recorded.keys() if row.get(name) != recorded.get(name))
    return f"the alert differs from chain entry {event_id} in {', '.join(changed)} (edited directly)"


def verify(db: Database) -> Verification:
    """Check the chain and that every alert matches its last link; the first broken link, if any."""
    count, latest, broken = _walk(db)
    if broken is not None:
        return Verification(count, 0, broken)
    checked = 0
    for row in _stored_alerts(db):
        found = latest.pop(row["id"], None)
        if found is None:
            return Verification(count, checked, BrokenLink(None, row["id"], "the alert is not in the chain"))
        if _digest(row) != found[1]:
            return Verification(
                count, checked, BrokenLink(found[0], row["id"], _differences(db, row, found[0]))
            )
        checked += 1
    if latest:
        missing = min(latest)
        return Verification(count, checked, BrokenLink(latest[missing][0], missing, "the alert was deleted"))
    return Verification(count, checked, None)
