"""Database connections: a pooled PostgreSQL connection the server dropped while idle is replaced unseen."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import guard.db
from guard.db import Database

pytestmark = pytest.mark.postgres


def backend_pid(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def terminate(url: str, pid: int) -> None:
    other = Database(url)
    with other.read() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(postgres_url)
    dropped = backend_pid(db)
    terminate(postgres_url, dropped)
    monkeypatch.setattr(guard.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert backend_pid(db) != dropped


def test_a_connection_in_steady_use_is_not_pinged(postgres_url: str) -> None:
    """Below the idle threshold a checkout costs no round trip, so a dropped server shows on first use."""
    db = Database(postgres_url)
    terminate(postgres_url, backend_pid(db))
    with pytest.raises(guard.db.DatabaseUnavailable):
        backend_pid(db)
    assert backend_pid(db) > 0
