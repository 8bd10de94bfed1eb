"""The Alembic migrations create exactly the schema the code declares, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from guard.db import Database, metadata
from guard.migrate import current_revision, head_revision, upgrade


def test_migrated_schema_matches_the_declared_tables(database_url: str) -> None:
    database = Database(database_url)
    assert current_revision(database) == head_revision()
    with database.read() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_upgrading_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    database = Database(database_url)
    assert upgrade(database) == head_revision()
    assert current_revision(database) == head_revision()


@pytest.mark.postgres
def test_postgres_compresses_new_payloads_with_lz4(postgres_url: str) -> None:
    with Database(postgres_url).read() as conn:
        method = conn.execute(
            sa.text(
                "SELECT attcompression FROM pg_attribute"
                " WHERE attrelid = 'deliveries'::regclass AND attname = 'payload'"
            )
        ).scalar_one()
    assert method == "l"  # lz4; pglz would be "" (the default) or "p"
