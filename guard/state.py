"""A small key-value store for what policies must remember between deliveries (by namespace)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from guard.db import Database, state


class StateStore:
    """JSON values under (namespace, key); writes are upserts."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def get(self, namespace: str, key: str) -> Any:
        with self.db.read() as conn:
            return conn.execute(
                sa.select(state.c.value).where(state.c.namespace == namespace, state.c.key == key)
            ).scalar_one_or_none()

    def put(self, namespace: str, key: str, value: Any) -> None:
        insert = postgresql.insert if self.db.is_postgres else sqlite.insert
        row = {"namespace": namespace, "key": key, "value": value, "updated_at": self.clock()}
        statement = insert(state).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=["namespace", "key"], set_={"value": value, "updated_at": row["updated_at"]}
        )
        with self.db.write() as conn:
            conn.execute(statement)

    def delete(self, namespace: str, key: str) -> None:
        with self.db.write() as conn:
            conn.execute(state.delete().where(state.c.namespace == namespace, state.c.key == key))

    def items(self, namespace: str, prefix: str = "") -> dict[str, Any]:
        """Every key in ``namespace`` starting with ``prefix``, with its value."""
        query = sa.select(state.c.key, state.c.value).where(state.c.namespace == namespace)
        if prefix:
            query = query.where(state.c.key.startswith(prefix, autoescape=True))
        with self.db.read() as conn:
            return {row.key: row.value for row in conn.execute(query)}
