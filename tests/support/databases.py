"""Test databases: a migrated SQLite file per test, and one migrated PostgreSQL database per session.

PostgreSQL tests skip with a reason when no server is reachable, unless GUARD_REQUIRE_POSTGRES=1 (as in
CI), where an unreachable server fails them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from guard.db import Database, metadata, sqlalchemy_url
from guard.migrate import upgrade

POSTGRES_URL = os.environ.get("GUARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_or_skip() -> sa.Engine:
    """An engine on the PostgreSQL server's admin database, or skip (fail in CI) with the reason."""
    engine = sa.create_engine(sqlalchemy_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        cause = type(exc.orig).__name__
        reason = f"PostgreSQL is not reachable at {POSTGRES_URL} ({cause}); set GUARD_TEST_POSTGRES_URL"
        if os.environ.get("GUARD_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (GUARD_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    return engine


def create_postgres_database() -> str:
    """Create a fresh, migrated database and return its URL."""
    admin = postgres_or_skip()
    name = f"guard_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    upgrade(database)
    database.dispose()
    return url


def drop_postgres_database(url: str) -> None:
    admin = postgres_or_skip()
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextlib.contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """The URL of a fresh, migrated ``sqlite`` or ``postgres`` database, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/guard.db"
            database = Database(url)
            upgrade(database)
            database.dispose()
            yield url
        return
    url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


def truncate_all(database: Database) -> None:
    names = ", ".join(f'"{table.name}"' for table in reversed(metadata.sorted_tables))
    with database.write() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy for each test (migrating once is much faster)."""
    path = directory / "template.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()  # closing the last connection checkpoints the WAL into the file
    return path
