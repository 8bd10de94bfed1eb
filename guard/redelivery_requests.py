"""The redeliveries the guard has asked GitHub for: one ``state`` row per delivery GUID.

A row is written *before* the request goes out, so the redelivered event is marked ``recovered`` when
the receiver stores it (``guard/inbox.py`` looks the GUID up in the same statement), and two guard
instances never ask for the same GUID at once: taking a row is an insert (or an update of the exact
row read), which only one of them can win. The row says ``sent`` once GitHub accepted the request, so
an ask whose process died before sending it is known for what it is and made again soon.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from guard.db import Database, state

NAMESPACE = "recovery.requested"


@dataclass(frozen=True)
class Request:
    """When the GUID was last asked for, for which attempt (its id), and how many times so far."""

    at: float
    asks: int
    attempt: int = 0
    sent: bool = True


class RedeliveryRequests:
    """Take, give back and forget redelivery requests, safely across processes."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def find(self, guids: set[str]) -> dict[str, Request]:
        if not guids:
            return {}
        query = sa.select(state.c.key, state.c.value).where(
            state.c.namespace == NAMESPACE, state.c.key.in_(sorted(guids))
        )
        with self.db.read() as conn:
            return {
                str(row.key): Request(
                    float(row.value["at"]),
                    int(row.value["asks"]),
                    int(row.value.get("attempt", 0)),
                    bool(row.value.get("sent", True)),
                )
                for row in conn.execute(query)
            }

    def take(self, guid: str, attempt: int, previous: Request | None) -> Request | None:
        """Record a new ask for ``guid`` (redelivering ``attempt``), not yet sent; None when another
        instance took it. An ask that was never sent is replaced, not counted again."""
        now = self.clock()
        asks = 1 if previous is None else previous.asks + int(previous.sent)
        value = {"at": now, "asks": asks, "attempt": attempt, "sent": False}
        with self.db.write() as conn:
            if previous is None:
                insert = postgresql.insert if self.db.is_postgres else sqlite.insert
                statement = (
                    insert(state)
                    .values(namespace=NAMESPACE, key=guid, value=value, updated_at=now)
                    .on_conflict_do_nothing()
                    .returning(state.c.key)
                )
                won = conn.execute(statement).first() is not None
            else:
                won = (
                    conn.execute(self._exact(guid, previous).values(value=value, updated_at=now)).rowcount
                    == 1
                )
        return Request(now, asks, attempt, sent=False) if won else None

    def mark_sent(self, guid: str, taken: Request) -> None:
        """GitHub accepted the ask ``taken``."""
        value = {"at": taken.at, "asks": taken.asks, "attempt": taken.attempt, "sent": True}
        with self.db.write() as conn:
            conn.execute(self._exact(guid, taken).values(value=value))

    def give_back(self, guid: str, taken: Request, previous: Request | None) -> None:
        """Undo ``take`` after GitHub refused the request, so the next run asks again."""
        with self.db.write() as conn:
            if previous is None:
                conn.execute(
                    state.delete().where(
                        state.c.namespace == NAMESPACE, state.c.key == guid, state.c.updated_at == taken.at
                    )
                )
                return
            value = {
                "at": previous.at,
                "asks": previous.asks,
                "attempt": previous.attempt,
                "sent": previous.sent,
            }
            conn.execute(self._exact(guid, taken).values(value=value, updated_at=previous.at))

    def forget_before(self, horizon: float) -> None:
        """Drop requests older than GitHub's retention: their events can no longer be redelivered."""
        with self.db.write() as conn:
            conn.execute(state.delete().where(state.c.namespace == NAMESPACE, state.c.updated_at < horizon))

    @staticmethod
    def _exact(guid: str, request: Request) -> sa.Update:
        return state.update().where(
            state.c.namespace == NAMESPACE, state.c.key == guid, state.c.updated_at == request.at
        )
