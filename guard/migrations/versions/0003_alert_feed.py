"""The alert feed: listing indexes for its filters, API tokens, and the hash chain of alert changes.

Alerts already stored are adopted into the chain as its first entries.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import hashlib
import json
import time

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
    _adopt_existing_alerts()


def _adopt_existing_alerts() -> None:
    """Alerts raised before the chain existed become its first links, as guard/alert_chain.py writes them."""
    conn = op.get_bind()
    existing = sa.Table("alerts", sa.MetaData(), autoload_with=conn)
    events = sa.Table("alert_events", sa.MetaData(), autoload_with=conn)
    prev_hash, now = "0" * 64, time.time()
    for row in conn.execute(sa.select(existing).order_by(existing.c.id)).mappings():
        body = {"alert_id": row["id"], "kind": "adopted", "at": now, "alert": dict(row)}
        record = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(f"{prev_hash}\n{record}".encode()).hexdigest()
        values = {"alert_id": row["id"], "kind": "adopted", "at": now, "record": record}
        conn.execute(events.insert().values(**values, prev_hash=prev_hash, hash=digest))
        prev_hash = digest


def downgrade() -> None:
    op.drop_table("alert_events")
    op.drop_table("api_tokens")
    for name in _LISTINGS:
        op.drop_index(name, table_name="alerts")
    op.create_index("ix_alerts_listing", "alerts", ["created_at", "id"])
