"""The alert store policies write into: repeats of one finding on one subject update a single open alert."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from guard.db import Database, alerts
from policies.base import AlertSpec

OPEN, ACKNOWLEDGED, RESOLVED = "open", "acknowledged", "resolved"


@dataclass(frozen=True)
class AlertContext:
    """Where an alert came from: the delivery and the organisation it concerns."""

    delivery_id: str | None = None
    organisation: str | None = None
    action_result: str | None = None


class AlertStore:
    """Raise alerts; the feed (API, Atom, page) reads the same table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def raise_alert(self, spec: AlertSpec, context: AlertContext = AlertContext()) -> int:
        """Store ``spec`` as a new alert, or count it on the open alert with the same key; returns its id."""
        with self.db.write() as conn:
            existing = conn.execute(
                sa.select(alerts.c.id, alerts.c.severity)
                .where(alerts.c.dedupe_key == spec.dedupe_key(), alerts.c.state != RESOLVED)
                .order_by(alerts.c.id.desc())
                .limit(1)
            ).first()
            if existing is None:
                return self._insert(conn, spec, context)
            self._repeat(conn, existing.id, max(existing.severity, int(spec.severity)), spec, context)
            return int(existing.id)

    def _insert(self, conn: Connection, spec: AlertSpec, context: AlertContext) -> int:
        now = self.clock()
        row = {
            **_fields(spec, context),
            "created_at": now,
            "updated_at": now,
            "last_seen_at": now,
            "count": 1,
            "dedupe_key": spec.dedupe_key(),
            "state": OPEN,
        }
        return int(conn.execute(alerts.insert().values(**row).returning(alerts.c.id)).scalar_one())

    def _repeat(
        self, conn: Connection, alert_id: int, severity: int, spec: AlertSpec, ctx: AlertContext
    ) -> None:
        now = self.clock()
        values = {**_fields(spec, ctx), "severity": severity, "updated_at": now, "last_seen_at": now}
        conn.execute(
            alerts.update().where(alerts.c.id == alert_id).values(count=alerts.c.count + 1, **values)
        )


def _fields(spec: AlertSpec, context: AlertContext) -> dict[str, object]:
    return {
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
