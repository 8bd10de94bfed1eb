"""PostgreSQL's planner statistics of the inbox, renewed when the queue has outgrown (or outlived) them.

A claim must read the queue in order through ``ix_deliveries_active`` and stop at the first delivery it
can take. PostgreSQL's planner picks that plan only while its statistics know the queue is long: when
they still describe a short queue (a new install, or a quiet day before a burst), it reads and sorts
every queued delivery on each claim instead (1.6 ms a claim with 3,000 queued, growing with the queue,
just when the workers are behind). Autovacuum renews them only after a tenth of the whole table has
changed, and at most once a minute, so the workers renew them themselves: ``ANALYZE deliveries`` when the
number of deliveries to work on is far from what the statistics say (4 to 8 ms on a 10,000-row table).
It skips the renewal rather than wait when the table is locked (a long vacuum, another worker's ANALYZE):
a claim never waits on it. PostgreSQL 12 or later.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

SLACK = 200  # deliveries the estimate may be off by before a renewal is worth its cost


def renew_if_stale(conn: Connection, actual: int) -> bool:
    """``ANALYZE deliveries`` if the statistics are far from ``actual``, the deliveries to work on."""
    known = conn.execute(
        sa.text("SELECT reltuples FROM pg_class WHERE oid = 'ix_deliveries_active'::regclass")
    ).scalar_one()
    if not is_stale(actual, known):
        return False
    conn.execute(sa.text("ANALYZE (SKIP_LOCKED) deliveries"))
    return True


def is_stale(actual: int, known: float) -> bool:
    """More than twice, or under half, the estimate (never analysed: -1), beyond a small slack."""
    estimate = max(known, 0.0)
    return actual > 2 * estimate + SLACK or actual < estimate / 2 - SLACK
