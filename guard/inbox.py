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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from guard import queue_statistics
from guard.db import ACTIVE, Database, active_deliveries, decisions, deliveries, state
from guard.direct import Prepared
from guard.group_write import GroupWrite
from guard.redelivery_requests import NAMESPACE as REQUESTED

QUEUED, PROCESSING, DONE, DEAD, IGNORED = "queued", "processing", "done", "dead", "ignored"
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 900.0
_DEPTH_TTL_SECONDS = 0.5
BURIAL_INTERVAL_SECONDS = 5.0
SWEEP_SOURCE = "sweep"
SWEEP_CLAIM_LOCK = 0x6775617264  # pg_advisory_xact_lock key serialising sweep claims ("guard")
PUT_ROWS_AT_MOST = 32  # deliveries stored by one statement
P = sa.bindparam


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
    not_before: float | None = None


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
    received_at: float = 0.0


_CLAIMED_COLUMNS = ("id", *(f for f in Claimed.__dataclass_fields__ if f not in ("pk", "lease_owner")))
"""What a claim returns: the columns ``Claimed`` is made of, and no more (a claim per delivery)."""


class Inbox:
    """Put, claim, renew, finish and retry deliveries in the ``deliveries`` table."""

    def __init__(
        self,
        db: Database,
        *,
        limit: int = 50_000,
        lease_seconds: float = 120.0,
        max_attempts: int = 8,
        sweep_concurrency: int = 2,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.limit = limit
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.sweep_concurrency = sweep_concurrency
        self.clock = clock
        self.rng = rng
        self._depth_lock = threading.Lock()
        self._depth_cache = (0, -1.0)
        self._sql = _Statements(postgres=db.is_postgres)
        self._put_rows: dict[int, Prepared] = {}
        self._claim_one = db.prepare(self._sql.claim)
        self._finish_one = db.prepare(self._sql.finish_recorded) if db.is_postgres else None
        self._last_burial = -BURIAL_INTERVAL_SECONDS
        self._put_together: GroupWrite[IncomingDelivery, bool] = GroupWrite(
            db.turn, self._put_group, at_most=PUT_ROWS_AT_MOST
        )

    def put(self, incoming: IncomingDelivery) -> PutResult:
        """Store a delivery once; a repeated delivery id is reported as a duplicate and not stored again.

        Deliveries that arrive together on several threads are committed together (``GroupWrite``).
        """
        if incoming.state == QUEUED and self.depth() >= self.limit:
            raise InboxFull(f"the inbox holds {self.limit} or more unprocessed deliveries")
        if not self._put_together(incoming):
            return PutResult.DUPLICATE
        if incoming.state == QUEUED:
            self._count_stored()
        return PutResult.STORED

    def _put_group(self, group: Sequence[IncomingDelivery]) -> list[bool]:
        """Store a group in one statement; an id stored before, or earlier in the group, is a duplicate."""
        firsts = {incoming.delivery_id: incoming for incoming in reversed(group)}
        now = self.clock()
        rows = [self._row(incoming, now) for incoming in firsts.values()]
        values = {f"{name}_{n}": value for n, row in enumerate(rows) for name, value in row.items()}
        stored = {row["delivery_id"] for row in self.db.run_alone(self._put_statement(len(rows)), values)}
        return [
            incoming.delivery_id in stored and firsts[incoming.delivery_id] is incoming for incoming in group
        ]

    def _put_statement(self, rows: int) -> Prepared:
        """The put of ``rows`` deliveries, compiled on first use."""
        if rows not in self._put_rows:
            self._put_rows[rows] = self.db.prepare(self._sql.put_rows(rows))
        return self._put_rows[rows]

    def put_in(self, conn: Connection, incoming: IncomingDelivery) -> bool:
        """Store a delivery inside the caller's transaction, without the limit check; False if a duplicate.

        For the guard's own small deliveries (notifications) written with the change that causes them.
        """
        return conn.execute(self._sql.put, self._row(incoming, self.clock())).first() is not None

    @staticmethod
    def _row(incoming: IncomingDelivery, now: float) -> dict[str, Any]:
        return {
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
            "available_at": max(now, incoming.not_before or now),
            "finished_at": None if incoming.state == QUEUED else now,
            "last_error": incoming.note,
        }

    def _count_stored(self) -> None:
        """Keep the cached depth honest between refreshes, so the limit holds within this process."""
        with self._depth_lock:
            value, at = self._depth_cache
            self._depth_cache = (value + 1, at)

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
        """Take the oldest ready delivery whose repository no other worker is working on.

        Webhooks come first; a sweep delivery is taken only when no webhook is ready and fewer than
        ``sweep_concurrency`` sweeps are in progress across every process (on PostgreSQL, sweep claims
        are serialised by a transaction advisory lock so the count is exact).
        """
        now = self.clock()
        params = {"p_now": now, "p_owner": owner, "p_until": now + self.lease_seconds}
        if now - self._last_burial >= BURIAL_INTERVAL_SECONDS:
            with self.db.write_alone() as conn:
                self._look_after_queue(conn, now)
        row = next(iter(self.db.run_alone(self._claim_one, params)), None)
        if row is None:
            row = self._claim_sweep(params | {"p_sweeps": self.sweep_concurrency})
        if row is None:
            return None
        return Claimed(
            **{k: row[k] for k in _CLAIMED_COLUMNS if k != "id"},
            pk=row["id"],
            lease_owner=owner,
        )

    def _look_after_queue(self, conn: Connection, now: float) -> None:
        """Now and then: bury deliveries out of attempts; on PostgreSQL, renew the planner's statistics."""
        conn.execute(self._sql.bury_exhausted, {"p_now": now, "p_max": self.max_attempts})
        if self.db.is_postgres:
            queue_statistics.renew_if_stale(conn, self.depth())
        self._last_burial = now

    def _claim_sweep(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """Claim a sweep delivery; on PostgreSQL under the advisory lock that keeps the count exact."""
        with self.db.write() as conn:
            if self.db.is_postgres:
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SWEEP_CLAIM_LOCK)))
            row = conn.execute(self._sql.claim_sweep, params).mappings().first()
        return None if row is None else dict(row)

    def renew(self, claimed: Claimed) -> bool:
        """Extend the lease of a delivery still being worked on; False if it was lost."""
        with self.db.write() as conn:
            return self._owned(conn, "renew", claimed, p_until=self.clock() + self.lease_seconds) == 1

    def finish(self, claimed: Claimed, records: Sequence[Mapping[str, Any]] = ()) -> None:
        """Mark done and store its decision ``records`` at once, or raise LeaseLost and store nothing.

        On PostgreSQL one statement does both (one round trip instead of four: BEGIN, the update, the
        decisions and COMMIT).
        """
        now = self.clock()
        if self._finish_one is not None:
            finished = self._finish_in_one(self._finish_one, claimed, records, now)
        else:
            finished = self._finish_in_turn(claimed, records, now)
        if not finished:
            raise LeaseLost(f"delivery {claimed.delivery_id} is no longer held by {claimed.lease_owner}")

    def _finish_in_one(
        self, prepared: Prepared, claimed: Claimed, records: Sequence[Mapping[str, Any]], now: float
    ) -> bool:
        params = {"p_id": claimed.pk, "p_owner": claimed.lease_owner, "p_now": now, "p_rows": list(records)}
        return bool(self.db.run_alone(prepared, params)[0]["finished"] == 1)

    def _finish_in_turn(self, claimed: Claimed, records: Sequence[Mapping[str, Any]], now: float) -> bool:
        with self.db.write() as conn:
            if self._owned(conn, "finish", claimed, p_now=now) != 1:
                return False
            if records:
                rows = [{**record, "delivery_pk": claimed.pk, "created_at": now} for record in records]
                conn.execute(decisions.insert(), rows)
        return True

    def retry(
        self, claimed: Claimed, error: str, *, not_before: float | None = None, counted: bool = True
    ) -> str:
        """Schedule another attempt with backoff (or at ``not_before``); dead after the last attempt.

        ``counted=False`` is a deferral (a rate limit to wait out): the attempt does not count towards
        ``max_attempts``, and the delivery waits at least until ``not_before``.
        """
        now = self.clock()
        if counted and claimed.attempts >= self.max_attempts:
            return self.bury(claimed, f"gave up after {claimed.attempts} attempts: {error}")
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (claimed.attempts - 1))
        available = now + delay * (0.5 + self.rng() / 2)
        if not_before is not None:
            available = max(available, not_before + self.rng())
        with self.db.write() as conn:
            kind = "retry" if counted else "defer"
            self._owned(conn, kind, claimed, p_available=available, p_error=error)
        return QUEUED

    def bury(self, claimed: Claimed, error: str) -> str:
        """Mark a delivery dead: it will not be retried, and stays visible with its error."""
        with self.db.write() as conn:
            self._owned(conn, "bury", claimed, p_now=self.clock(), p_error=error)
        return DEAD

    def _owned(self, conn: Connection, kind: str, claimed: Claimed, **params: Any) -> int:
        """Run one of the updates that only apply while ``claimed`` still holds its lease."""
        statement = self._sql.owned[kind]
        return conn.execute(
            statement, {"p_id": claimed.pk, "p_owner": claimed.lease_owner, **params}
        ).rowcount

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


_PUT_COLUMNS = (
    "delivery_id",
    "hook_id",
    "event",
    "action",
    "installation_id",
    "repository",
    "payload",
    "source",
    "state",
    "received_at",
    "available_at",
    "finished_at",
    "last_error",
)


def _source(suffix: str) -> sa.Case[str]:
    """``recovered`` for a webhook the guard asked GitHub to redeliver, else the source given."""
    given: sa.BindParameter[str] = P("source" + suffix, type_=sa.String())
    asked = sa.exists().where(state.c.namespace == REQUESTED, state.c.key == P("delivery_id" + suffix))
    return sa.case((sa.and_(given == "webhook", asked), "recovered"), else_=given)


class _Statements:
    """The inbox's SQL, built once with bound parameters: building a statement costs more than running it."""

    def __init__(self, *, postgres: bool) -> None:
        d = deliveries
        self._insert = postgresql.insert if postgres else sqlite.insert
        self.put = self._put([""])
        self.claim = self._claim(postgres, lambda t: t.c.source != SWEEP_SOURCE)
        in_progress = (
            sa.select(sa.func.count())
            .where(d.c.state == PROCESSING, d.c.source == SWEEP_SOURCE, d.c.lease_expires_at >= P("p_now"))
            .scalar_subquery()
        )
        self.claim_sweep = self._claim(
            postgres, lambda t: sa.and_(t.c.source == SWEEP_SOURCE, in_progress < P("p_sweeps"))
        )
        self.bury_exhausted = (
            d.update()
            .where(d.c.state == PROCESSING, d.c.lease_expires_at < P("p_now"), d.c.attempts >= P("p_max"))
            .values(
                state=DEAD,
                finished_at=P("p_now"),
                lease_owner=None,
                last_error="the worker stopped (crash or timeout) on the last allowed attempt",
            )
        )
        owned = d.update().where(
            d.c.id == P("p_id"), d.c.state == PROCESSING, d.c.lease_owner == P("p_owner")
        )
        released = {"lease_owner": None, "lease_expires_at": None}
        finish = owned.values(state=DONE, finished_at=P("p_now"), last_error=None, **released)
        self.finish_recorded = _finish_recorded(finish)
        self.owned = {
            "renew": owned.values(lease_expires_at=P("p_until")),
            "finish": finish,
            "retry": owned.values(
                state=QUEUED, available_at=P("p_available"), last_error=P("p_error"), **released
            ),
            "defer": owned.values(
                state=QUEUED,
                available_at=P("p_available"),
                last_error=P("p_error"),
                attempts=d.c.attempts - 1,
                **released,
            ),
            "bury": owned.values(state=DEAD, finished_at=P("p_now"), last_error=P("p_error"), **released),
        }

    def put_rows(self, count: int) -> sa.Insert:
        """The put of ``count`` deliveries at once, their values named ``<column>_<n>`` (n from 0)."""
        return self._put([f"_{n}" for n in range(count)])

    def _put(self, suffixes: Sequence[str]) -> sa.Insert:
        """One row per suffix; returns the ids stored, the others were duplicates."""
        rows: list[dict[str, Any]] = [
            {name: P(name + x) for name in _PUT_COLUMNS} | {"source": _source(x)} for x in suffixes
        ]
        return (
            self._insert(deliveries)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["delivery_id"])
            .returning(deliveries.c.delivery_id)
        )

    @staticmethod
    def _claim(postgres: bool, which: Callable[[sa.TableClause], sa.ColumnElement[bool]]) -> sa.Update:
        d = deliveries
        now: sa.BindParameter[float] = P("p_now")
        busy = sa.select(d.c.repository).where(
            d.c.state == PROCESSING, d.c.lease_expires_at >= now, d.c.repository.is_not(None)
        )
        a = active_deliveries
        ready = sa.or_(
            sa.and_(a.c.state == QUEUED, a.c.available_at <= now),
            sa.and_(a.c.state == PROCESSING, a.c.lease_expires_at < now),
        )
        candidate = (
            sa.select(a.c.id)
            .where(sa.text(f"deliveries.{ACTIVE}"), which(a), ready)
            .where(sa.or_(a.c.repository.is_(None), a.c.repository.not_in(busy)))
            .order_by(a.c.id)
            .limit(1)
        )
        if postgres:
            candidate = candidate.with_for_update(skip_locked=True)
        return (
            d.update()
            .where(d.c.id.in_(candidate.scalar_subquery()))
            .values(
                state=PROCESSING,
                lease_owner=P("p_owner"),
                lease_expires_at=P("p_until"),
                attempts=d.c.attempts + 1,
            )
            .returning(*(d.c[name] for name in _CLAIMED_COLUMNS))
        )


def _finish_recorded(finish: sa.Update) -> sa.Select[int]:
    """PostgreSQL: the finish and the insert of its decisions, in order, as one statement.

    The decisions come as one JSON array (``p_rows``); none is stored unless the lease was still held.
    Selects the number of deliveries finished (1, or 0 when the lease was lost).
    """
    done = finish.returning(deliveries.c.id).cte("done")
    rows = (
        sa.func.json_array_elements(P("p_rows", type_=postgresql.JSON()))
        .table_valued(sa.column("item", postgresql.JSON()), with_ordinality="n")
        .render_derived(name="r")
    )
    item = rows.c.item
    taken = (
        sa.select(
            done.c.id,
            item["policy"].astext,
            item["summary"].astext,
            item["findings"],
            item["actions"],
            item["facts"],
            P("p_now"),
        )
        .select_from(done)
        .join(rows, sa.true())
        .order_by(rows.c.n)
    )
    columns = ["delivery_pk", "policy", "summary", "findings", "actions", "facts", "created_at"]
    recorded = decisions.insert().from_select(columns, taken).cte("recorded")
    return sa.select(sa.func.count().label("finished")).select_from(done).add_cte(recorded)
