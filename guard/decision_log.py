"""The decision log: for every processed delivery, what each policy decided and what became of each action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from guard.actions.executor import ActionOutcome
from guard.db import Database, decisions, deliveries
from policies.base import Decision, as_json


@dataclass(frozen=True)
class Evaluated:
    """A decision with the outcome of each of its actions (in the same order)."""

    decision: Decision
    outcomes: tuple[ActionOutcome, ...]

    def as_record(self) -> dict[str, Any]:
        actions = [
            {**as_json(outcome.action), "outcome": outcome.status, "detail": outcome.detail}
            for outcome in self.outcomes
        ]
        return {
            "policy": self.decision.policy,
            "summary": self.decision.summary,
            "findings": as_json(self.decision.findings),
            "actions": actions,
            "facts": as_json(self.decision.facts),
        }


def for_delivery(db: Database, delivery_id: str) -> list[dict[str, Any]]:
    """The recorded decisions of one delivery, oldest first."""
    query = (
        sa.select(decisions.c.policy, decisions.c.summary, decisions.c.findings, decisions.c.actions)
        .join(deliveries, deliveries.c.id == decisions.c.delivery_pk)
        .where(deliveries.c.delivery_id == delivery_id)
        .order_by(decisions.c.id)
    )
    with db.read() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]
