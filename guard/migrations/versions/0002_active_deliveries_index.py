"""An index of the deliveries still to work on, so a claim reads only those, oldest first.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("state IN ('queued', 'processing')")


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_active", "deliveries", ["id"], sqlite_where=_ACTIVE, postgresql_where=_ACTIVE
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_active", table_name="deliveries")
