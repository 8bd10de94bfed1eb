"""The alert feed: listing indexes for its filters, API tokens, and the hash chain of alert changes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_LIVE = sa.text("revoked_at IS NULL")
_LISTINGS = {
    "ix_alerts_updated": ["updated_at", "id"],
    "ix_alerts_state_updated": ["state", "updated_at", "id"],
    "ix_alerts_policy_updated": ["policy", "updated_at", "id"],
    "ix_alerts_repository_updated": ["repository", "updated_at", "id"],
    "ix_alerts_severity_updated": ["severity", "updated_at", "id"],
}


def upgrade() -> None:
    op.drop_index("ix_alerts_listing", table_name="alerts")
    for name, columns in _LISTINGS.items():
        op.create_index(name, "alerts", columns)
    op.create_table(
        "api_tokens",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float()),
    )
    op.create_index(
        "ix_api_tokens_live_name",
        "api_tokens",
        ["name"],
        unique=True,
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )
    op.create_table(
        "alert_events",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_alert_events_alert", "alert_events", ["alert_id", "id"])
    op.create_index("ix_alert_events_at", "alert_events", ["at"])


def downgrade() -> None:
    op.drop_table("alert_events")
    op.drop_table("api_tokens")
    for name in _LISTINGS:
        op.drop_index(name, table_name="alerts")
    op.create_index("ix_alerts_listing", "alerts", ["created_at", "id"])
