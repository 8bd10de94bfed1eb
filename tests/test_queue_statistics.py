"""PostgreSQL keeps reading the queue in order when a backlog builds after its statistics were taken."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from guard.db import Database
from guard.inbox import Inbox, IncomingDelivery
from guard.migrate import upgrade
from guard.queue_statistics import is_stale
from tests.support.databases import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres() -> Iterator[Database]:
    with scratch_database("postgres") as url:
        db = Database(url)
        upgrade(db)
        yield db
        db.dispose()


def burst(inbox: Inbox, count: int) -> None:
    for n in range(count):
        incoming = IncomingDelivery(
            delivery_id=f"d-{n}", event="push", payload="{}", repository=f"acme/repo-{n % 16}"
        )
        inbox.put(incoming)


def rows_read_by_claim(db: Database, inbox: Inbox) -> int:
    """Rows a claim's scans read now (EXPLAIN ANALYZE, rolled back), kept or filtered out."""
    compiled = inbox._sql.claim.compile(dialect=db.engine.dialect)
    params = dict(compiled.params) | {"p_now": 2e9, "p_owner": "explain", "p_until": 2e9 + 60}
    with db.write() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", params)
        plan = cursor.fetchone()[0][0]["Plan"]
        conn.rollback()
    return _scanned(plan)


def _scanned(node: dict[str, Any]) -> int:
    own = node["Actual Rows"] + node.get("Rows Removed by Filter", 0) if "Scan" in node["Node Type"] else 0
    return own + sum(_scanned(child) for child in node.get("Plans", []))


def test_a_claim_after_a_burst_reads_the_queue_in_order_instead_of_sorting_all_of_it(
    postgres: Database,
) -> None:
    inbox = Inbox(postgres, limit=1_000_000)
    with postgres.write_alone() as conn:
        conn.execute(sa.text("ANALYZE deliveries"))  # statistics of an empty queue, as on a quiet day
    burst(inbox, 3_000)
    assert rows_read_by_claim(postgres, inbox) >= 3_000  # what the stale statistics lead to
    assert inbox.claim("worker") is not None  # the first claim of a worker looks after the queue
    assert rows_read_by_claim(postgres, inbox) < 50


def test_statistics_are_renewed_only_when_far_from_the_queue() -> None:
    assert is_stale(5_000, -1)
    assert is_stale(5_000, 1_000)
    assert is_stale(10, 3_000)
    assert not is_stale(1_500, 1_000)
    assert not is_stale(150, 0)


def test_a_claim_never_waits_for_a_table_lock_to_renew_the_statistics(postgres: Database) -> None:
    inbox = Inbox(postgres, limit=1_000_000)
    burst(inbox, 500)
    claimed: list[object] = []
    blocker = sa.create_engine(postgres.url)
    with blocker.connect() as holding:
        holding.execute(sa.text("LOCK TABLE deliveries IN SHARE UPDATE EXCLUSIVE MODE"))  # as a vacuum does
        claiming = threading.Thread(target=lambda: claimed.append(inbox.claim("worker")))
        claiming.start()
        claiming.join(timeout=5)
        finished_while_locked = not claiming.is_alive()
        holding.rollback()
    claiming.join()
    blocker.dispose()
    assert finished_while_locked
    assert claimed[0] is not None
