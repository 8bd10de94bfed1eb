"""The inbox's statements on driver connections each thread keeps: dropped connections, many threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa

import guard.db
from guard.db import Database, DatabaseUnavailable, metadata
from guard.direct import KEEP_IDLE
from guard.inbox import Claimed, Inbox, IncomingDelivery, PutResult
from tests.support import databases
from tests.support.waiting import wait_for

OWNER = "worker-1"


@pytest.fixture
def empty_postgres(postgres_url: str) -> str:
    """The PostgreSQL test database, emptied."""
    databases.truncate_all(Database(postgres_url))
    return postgres_url


def queued(inbox: Inbox, count: int) -> list[str]:
    ids = [f"d-{n}" for n in range(count)]
    for delivery_id in ids:
        assert inbox.put(IncomingDelivery(delivery_id=delivery_id, event="push", payload="{}"))
    return ids


def on_other_sessions(url: str, select: str) -> int:
    """``SELECT <select> FROM`` the test database's other sessions, on a connection of its own."""
    db = Database(url)
    try:
        with db.read() as conn:
            query = f"SELECT {select} FROM pg_stat_activity"  # noqa: S608 - the tests' own expressions
            where = " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            return len(conn.execute(sa.text(query + where)).all())
    finally:
        db.dispose()


def other_sessions(url: str) -> int:
    """Sessions open on the test database, besides the one asking."""
    return on_other_sessions(url, "pid")


def drop_every_session(url: str) -> None:
    """What a database restart or a network cut does to the guard's connections."""
    on_other_sessions(url, "pg_terminate_backend(pid)")


def on_threads(count: int, work: Callable[[], object]) -> list[object]:
    """Run ``work`` on ``count`` threads that all start together; what each returned or raised."""
    start = threading.Barrier(count)
    outcomes: list[object] = []
    lock = threading.Lock()

    def run() -> None:
        start.wait(timeout=10)
        try:
            outcome = work()
        except Exception as exc:
            outcome = exc
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
def test_a_connection_dropped_while_idle_is_replaced_before_the_next_delivery_is_stored(
    empty_postgres: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(guard.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    inbox = Inbox(Database(empty_postgres))
    queued(inbox, 1)
    drop_every_session(empty_postgres)
    assert inbox.put(IncomingDelivery(delivery_id="after", event="push", payload="{}")) is PutResult.STORED
    assert inbox.claim(OWNER) is not None


@pytest.mark.postgres
def test_a_connection_dropped_in_steady_use_fails_one_claim_and_the_next_claim_reconnects(
    empty_postgres: str,
) -> None:
    inbox = Inbox(Database(empty_postgres))
    ids = queued(inbox, 3)
    first = inbox.claim(OWNER)
    drop_every_session(empty_postgres)
    with pytest.raises(DatabaseUnavailable):
        inbox.claim(OWNER)
    second = inbox.claim(OWNER)
    assert first is not None
    assert second is not None
    assert [first.delivery_id, second.delivery_id] == ids[:2]


@pytest.mark.postgres
def test_after_a_drop_the_connections_kept_for_new_threads_are_replaced_too(empty_postgres: str) -> None:
    inbox = Inbox(Database(empty_postgres))
    queued(inbox, 6)
    on_threads(3, lambda: inbox.claim(OWNER))  # three connections kept for the next threads
    drop_every_session(empty_postgres)
    first, second = on_threads(1, lambda: inbox.claim(OWNER)), on_threads(1, lambda: inbox.claim(OWNER))
    assert isinstance(first[0], DatabaseUnavailable)
    assert isinstance(second[0], Claimed)


@pytest.mark.postgres
def test_more_threads_than_the_pool_holds_claim_at_once(empty_postgres: str) -> None:
    inbox = Inbox(Database(empty_postgres))
    ids = queued(inbox, 24)
    claims = on_threads(24, lambda: inbox.claim(OWNER))
    assert sorted(c.delivery_id for c in claims if isinstance(c, Claimed)) == sorted(ids)


@pytest.mark.postgres
def test_threads_started_one_after_another_share_one_connection(empty_postgres: str) -> None:
    db = Database(empty_postgres)
    inbox = Inbox(db)
    queued(inbox, 30)
    opened: list[object] = []
    sa.event.listen(db.engine, "connect", lambda *_: opened.append(1))
    for _ in range(30):  # as ``guard serve`` does: a new thread for each request
        on_threads(1, lambda: inbox.claim(OWNER))
    assert len(opened) <= 1


@pytest.mark.postgres
def test_connections_of_ended_threads_beyond_the_few_kept_are_closed(empty_postgres: str) -> None:
    inbox = Inbox(Database(empty_postgres))
    queued(inbox, 24)
    before = other_sessions(empty_postgres)
    on_threads(24, lambda: inbox.claim(OWNER))
    pooled = inbox.db.engine.pool.size()  # the claims' occasional upkeep runs on pooled connections
    wait_for(lambda: other_sessions(empty_postgres) <= before + KEEP_IDLE + pooled)


def test_an_in_memory_database_stores_and_claims_on_its_one_connection() -> None:
    db = Database("sqlite://")
    metadata.create_all(db.engine)
    inbox = Inbox(db)
    ids = queued(inbox, 2)
    claimed = inbox.claim(OWNER)
    assert claimed is not None
    assert claimed.delivery_id == ids[0]


@pytest.mark.postgres
def test_a_statement_while_the_database_refuses_connections_reports_it_unavailable() -> None:
    db = Database("postgresql://postgres@127.0.0.1:9/guard")  # nothing listens on port 9 (discard)
    with pytest.raises(DatabaseUnavailable, match="database unavailable: OperationalError"):
        db.run_alone(db.prepare(sa.select(sa.literal(1))), {})
