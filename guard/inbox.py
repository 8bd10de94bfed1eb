"""The durable inbox: deliveries are stored before GitHub is answered, then claimed by workers under a lease.

A worker that dies mid-work leaves a lease that expires, and the delivery is claimed again. Transient
failures are retried with exponential backoff and jitter; after ``max_attempts`` a delivery is dead and
stays visible. Deliveries of one repository are worked one at a time, oldest first.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from guard.db import Database, deliveries

QUEUED, PROCESSING, DONE, DEAD, IGNORED = "queued", "processing", "done", "dead", "ignored"
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 900.0
_DEPTH_TTL_SECONDS = 0.5


class InboxFull(RuntimeError):
    """The inbox holds more unprocessed deliveries than its configured limit."""


class LeaseLost(RuntimeError):
    """Another worker holds the delivery now (this worker's lease expired)."""


class PutResult(enum.Enum):
    STORED = "stored"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class IncomingDelivery:
    """A verified delivery as the receiver hands it over."""

    delivery_id: str
    event: str
    payload: str
    action: str | None = None
    installation_id: int | None = None
    repository: str | None = None
    hook_id: str | None = None
    source: str = "webhook"
    state: str = QUEUED
    note: str | None = None
    available_at: float | None = None  # not before this time (epoch seconds); None: at once


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds under a lease."""

    pk: int
    delivery_id: str
    event: str
    action: str | None
    installation_id: int | None
    repository: str | None
    payload: str
    attempts: int
    source: str
    lease_owner: str


class Inbox:
    """Put, claim, renew, finish and retry deliveries in the ``deliveries`` table."""

    def __init__(
        self,
        db: Database,
        *,
        limit: int = 50_000,
        lease_seconds: float = 120.0,
        max_attempts: int = 8,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.limit = limit
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.clock = clock
        self.rng = rng
        self._depth_lock = threading.Lock()
        self._depth_cache = (0, -1.0)

    def put(self, incoming: IncomingDelivery) -> PutResult:
        """Store a delivery once; a repeated delivery id is reported as a duplicate and not stored again."""
        if incoming.state == QUEUED and self.depth() >= self.limit:
            raise InboxFull(f"the inbox holds {self.limit} or more unprocessed deliveries")
        now = self.clock()
        row = {
            "delivery_id": incoming.delivery_id,
            "hook_id": incoming.hook_id,
            "event": incoming.event,
            "action": incoming.action,
            "installation_id": incoming.installation_id,
            "repository": incoming.repository,
            "payload": incoming.payload,
            "source": incoming.source,
            "state": incoming.state,
            "received_at": now,
            "available_at": now if incoming.available_at is None else incoming.available_at,
            "finished_at": None if incoming.state == QUEUED else now,
            "last_error": incoming.note,
        }
        with self.db.write() as conn:
            inserted = conn.execute(self._insert_ignoring_duplicates(row)).first()
        if inserted is None:
            return PutResult.DUPLICATE
        if incoming.state == QUEUED:
            self._count_stored()
        return PutResult.STORED

    def _count_stored(self) -> None:
        """Keep the cached depth honest between refreshes, so the limit holds within this process."""
        with self._depth_lock:
            value, at = self._depth_cache
            self._depth_cache = (value + 1, at)

    def _insert_ignoring_duplicates(self, row: dict[str, Any]) -> sa.Insert:
        insert = postgresql.insert if self.db.is_postgres else sqlite.insert
        statement: sa.Insert = (
            insert(deliveries).values(**row).on_conflict_do_nothing(index_elements=["delivery_id"])
        )
        return statement.returning(deliveries.c.id)

    def depth(self) -> int:
        """Unprocessed deliveries (queued or in progress), cached for half a second."""
        now = time.monotonic()
        with self._depth_lock:
            value, at = self._depth_cache
            if now - at < _DEPTH_TTL_SECONDS:
                return value
        with self.db.read() as conn:
            value = conn.execute(
                sa.select(sa.func.count()).where(deliveries.c.state.in_((QUEUED, PROCESSING)))
            ).scalar_one()
        with self._depth_lock:
            self._depth_cache = (value, now)
        return value

    def claim(self, owner: str) -> Claimed | None:
        """Take the oldest ready delivery whose repository no other worker is working on."""
        now = self.clock()
        with self.db.write() as conn:
            self._bury_exhausted(conn, now)
            row = conn.execute(self._claim_statement(owner, now)).mappings().first()
        if row is None:
            return None
        return Claimed(
            **{k: row[k] for k in Claimed.__dataclass_fields__ if k not in ("pk", "lease_owner")},
            pk=row["id"],
            lease_owner=owner,
        )

    def _claim_statement(self, owner: str, now: float) -> sa.Update:
        d = deliveries
        busy = sa.select(d.c.repository).where(
            d.c.state == PROCESSING, d.c.lease_expires_at >= now, d.c.repository.is_not(None)
        )
        ready = sa.or_(
            sa.and_(d.c.state == QUEUED, d.c.available_at <= now),
            sa.and_(d.c.state == PROCESSING, d.c.lease_expires_at < now),
        )
        candidate = (
            sa.select(d.c.id)
            .where(ready, sa.or_(d.c.repository.is_(None), d.c.repository.not_in(busy)))
            .order_by(d.c.id)
            .limit(1)
        )
        if self.db.is_postgres:
            candidate = candidate.with_for_update(skip_locked=True)
        return (
            d.update()
            .where(d.c.id.in_(candidate.scalar_subquery()))
            .values(
                state=PROCESSING,
                lease_owner=owner,
                lease_expires_at=now + self.lease_seconds,
                attempts=d.c.attempts + 1,
            )
            .returning(*d.c)
        )

    def _bury_exhausted(self, conn: Connection, now: float) -> None:
        """Deliveries whose lease expired on their last allowed attempt are dead, not retried forever."""
        d = deliveries
        conn.execute(
            d.update()
            .where(d.c.state == PROCESSING, d.c.lease_expires_at < now, d.c.attempts >= self.max_attempts)
            .values(
                state=DEAD,
                finished_at=now,
                lease_owner=None,
                last_error="the worker stopped (crash or timeout) on the last allowed attempt",
            )
        )

    def renew(self, claimed: Claimed) -> bool:
        """Extend the lease of a delivery still being worked on; False if it was lost."""
        with self.db.write() as conn:
            return self._owned(conn, claimed, lease_expires_at=self.clock() + self.lease_seconds) == 1

    def finish(self, claimed: Claimed, record: Callable[[Connection], None] | None = None) -> None:
        """Mark done and write ``record`` in the same transaction, or raise LeaseLost and write nothing."""
        with self.db.write() as conn:
            done = self._owned(
                conn,
                claimed,
                state=DONE,
                finished_at=self.clock(),
                lease_owner=None,
                lease_expires_at=None,
                last_error=None,
            )
            if done != 1:
                raise LeaseLost(f"delivery {claimed.delivery_id} is no longer held by {claimed.lease_owner}")
            if record is not None:
                record(conn)

    def retry(self, claimed: Claimed, error: str, *, not_before: float | None = None) -> str:
        """Schedule another attempt with backoff (or at ``not_before``); dead after the last attempt."""
        now = self.clock()
        if claimed.attempts >= self.max_attempts:
            return self.bury(claimed, f"gave up after {claimed.attempts} attempts: {error}")
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (claimed.attempts - 1))
        available = now + delay * (0.5 + self.rng() / 2)
        if not_before is not None:
            available = max(available, not_before + self.rng())
        with self.db.write() as conn:
            self._owned(
                conn,
                claimed,
                state=QUEUED,
                available_at=available,
                lease_owner=None,
                lease_expires_at=None,
                last_error=error,
            )
        return QUEUED

    def bury(self, claimed: Claimed, error: str) -> str:
        """Mark a delivery dead: it will not be retried, and stays visible with its error."""
        with self.db.write() as conn:
            self._owned(
                conn,
                claimed,
                state=DEAD,
                finished_at=self.clock(),
                lease_owner=None,
                lease_expires_at=None,
                last_error=error,
            )
        return DEAD

    def _owned(self, conn: Connection, claimed: Claimed, **values: Any) -> int:
        d = deliveries
        statement = d.update().where(
            d.c.id == claimed.pk, d.c.state == PROCESSING, d.c.lease_owner == claimed.lease_owner
        )
        return conn.execute(statement.values(**values)).rowcount

    def requeue(self, delivery_id: str) -> bool:
        """Put a finished or dead delivery back in the queue (an operator's replay)."""
        d = deliveries
        with self.db.write() as conn:
            changed = conn.execute(
                d.update()
                .where(d.c.delivery_id == delivery_id, d.c.state.in_((DONE, DEAD)))
                .values(state=QUEUED, attempts=0, available_at=self.clock(), finished_at=None)
            ).rowcount
        return changed == 1
