"""An index of the deliveries in progress, so a claim finds the repositories being worked on at once.

Without it, the claim's "which repositories are busy" search read every queued delivery on PostgreSQL
whenever the planner's statistics still described a short queue (1.8 ms a claim with 5,000 queued,
0.03 ms with this index).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LEASED = sa.text("state = 'processing'")


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_leased",
        "deliveries",
        ["repository", "lease_expires_at"],
        sqlite_where=_LEASED,
        postgresql_where=_LEASED,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_leased", table_name="deliveries")
