"""The alert store policies write into: repeats of one finding on one subject update a single open alert.

Every insert, repeat and state change is appended to the hash chain (``guard/alert_chain.py``) in the
same transaction. States go open -> acknowledged -> resolved (or open -> resolved), each change with who
made it, when, and a note; a repeat of a resolved alert's finding opens a new alert.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from guard import alert_chain
from guard.alert_queries import Alert, alert_from_row, get_alert
from guard.db import Database, alerts
from guard.storable import storable_text
from policies.base import AlertSpec, Severity

if TYPE_CHECKING:
    from guard.notifications import Outbox

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"
MAX_NOTE_LENGTH = 4000
_ALLOWED_FROM = {ACKNOWLEDGED: (OPEN,), RESOLVED: (OPEN, ACKNOWLEDGED)}


class StateConflict(ValueError):
    """The alert is in a state the requested change cannot start from."""


@dataclass(frozen=True)
class AlertContext:
    """Where an alert came from: the delivery and the organisation it concerns."""

    delivery_id: str | None = None
    organisation: str | None = None
    action_result: str | None = None


class AlertStore:
    """Raise alerts and change their state; the feed (API, Atom, page) reads the same table."""

    def __init__(
        self, db: Database, clock: Callable[[], float] = time.time, outbox: Outbox | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.outbox = outbox

    def raise_alert(self, spec: AlertSpec, context: AlertContext = AlertContext()) -> int:
        """Store ``spec`` as a new alert, or count it on the open alert with the same key; returns its id."""
        with self.db.write() as conn:
            alert_chain.lock(conn)
            existing = conn.execute(
                sa.select(alerts.c.id, alerts.c.severity)
                .where(
                    alerts.c.dedupe_key == _fitted("dedupe_key", spec.dedupe_key()),
                    alerts.c.state != RESOLVED,
                )
                .order_by(alerts.c.id.desc())
                .limit(1)
            ).first()
            now = self.clock()
            if existing is None:
                alert_id = self._insert(conn, spec, context, now)
                link = alert_chain.append(conn, alert_id, "raised", now)
                self._notify(conn, alert_id, before=None, after=spec.severity, change="raised", link=link)
                return alert_id
            self._repeat(conn, existing, spec, context, now)
            link = alert_chain.append(conn, existing.id, "repeated", now)
            before = Severity(existing.severity)
            after = max(before, spec.severity)
            self._notify(conn, existing.id, before=before, after=after, change="escalated", link=link)
            return int(existing.id)

    def _notify(
        self,
        conn: Connection,
        alert_id: int,
        *,
        before: Severity | None,
        after: Severity,
        change: str,
        link: str,
    ) -> None:
        """Queue notifications of a new alert, or of one raised across the threshold."""
        if self.outbox is not None and self.outbox.worth_telling(before, after):
            self.outbox.enqueue(conn, alert_from_row(alert_chain.snapshot(conn, alert_id)), change, link)

    def acknowledge(self, alert_id: int, who: str, note: str | None = None) -> Alert | None:
        """Mark an open alert acknowledged; None when there is no such alert."""
        return self._change(alert_id, ACKNOWLEDGED, who, note)

    def resolve(self, alert_id: int, who: str, note: str | None = None) -> Alert | None:
        """Mark an open or acknowledged alert resolved; None when there is no such alert."""
        return self._change(alert_id, RESOLVED, who, note)

    def _change(self, alert_id: int, target: str, who: str, note: str | None) -> Alert | None:
        if note is not None and len(note) > MAX_NOTE_LENGTH:
            raise ValueError(f"the note is longer than {MAX_NOTE_LENGTH} characters")
        with self.db.write() as conn:
            alert_chain.lock(conn)
            current = conn.execute(sa.select(alerts.c.state).where(alerts.c.id == alert_id)).scalar()
            if current is None:
                return None
            if current not in _ALLOWED_FROM[target]:
                raise StateConflict(f"alert {alert_id} is {current}; it cannot be {target}")
            now = self.clock()
            conn.execute(
                alerts.update()
                .where(alerts.c.id == alert_id)
                .values(state=target, state_by=who, state_at=now, state_note=note, updated_at=now)
            )
            alert_chain.append(conn, alert_id, target, now)
        return get_alert(self.db, alert_id)

    def _insert(self, conn: Connection, spec: AlertSpec, context: AlertContext, now: float) -> int:
        row = {
            **_fields(spec, context),
            "created_at": now,
            "updated_at": now,
            "last_seen_at": now,
            "count": 1,
            "dedupe_key": _fitted("dedupe_key", spec.dedupe_key()),
            "state": OPEN,
        }
        return int(conn.execute(alerts.insert().values(**row).returning(alerts.c.id)).scalar_one())

    def _repeat(
        self, conn: Connection, existing: sa.Row[Any, Any], spec: AlertSpec, ctx: AlertContext, now: float
    ) -> None:
        severity = max(existing.severity, int(spec.severity))
        values = {**_fields(spec, ctx), "severity": severity, "updated_at": now, "last_seen_at": now}
        conn.execute(
            alerts.update().where(alerts.c.id == existing.id).values(count=alerts.c.count + 1, **values)
        )


def _fields(spec: AlertSpec, context: AlertContext) -> dict[str, object]:
    """The alert's columns, as text every database keeps (unstorable characters replaced, cut to fit)."""
    values = {
        "severity": int(spec.severity),
        "policy": spec.policy,
        "rule": spec.rule,
        "organisation": context.organisation,
        "repository": spec.repository,
        "subject": spec.subject,
        "actor": spec.actor,
        "title": spec.title,
        "details": spec.details,
        "delivery_id": context.delivery_id,
        "action_taken": spec.action_taken,
        "action_result": context.action_result,
    }
    return {name: _fitted(name, value) for name, value in values.items()}


def _fitted(name: str, value: object) -> object:
    if not isinstance(value, str):
        return value
    length = getattr(alerts.c[name].type, "length", None)
    text = storable_text(value)
    return text[: length - 1] + "…" if length is not None and len(text) > length else text
