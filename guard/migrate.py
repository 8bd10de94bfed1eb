"""Schema migrations: ``upgrade`` brings a database to the newest revision, safely from several processes."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from guard.db import Database

_SCRIPTS = Path(__file__).parent / "migrations"
_PG_LOCK_ID = 0x6775617264  # "guard": one advisory lock for migrations across processes


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(_SCRIPTS)).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def current_revision(database: Database) -> str | None:
    with database.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(database: Database) -> str:
    """Apply every pending migration and return the revision now in place."""
    with _exclusive(database), database.engine.begin() as conn:
        if database.is_postgres:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
        command.upgrade(_config(conn), "head")
    return head_revision()


@contextmanager
def _exclusive(database: Database) -> Iterator[None]:
    """On SQLite, a lock file beside the database keeps two processes from migrating at once."""
    path = database.engine.url.database if database.engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
