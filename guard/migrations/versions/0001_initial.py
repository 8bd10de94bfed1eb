"""Deliveries inbox, decision log, action runs, alerts and policy state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", sa.String(64), nullable=False, unique=True),
        sa.Column("hook_id", sa.String(32)),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64)),
        sa.Column("installation_id", sa.BigInteger()),
        sa.Column("repository", sa.String(256)),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False, server_default="webhook"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("available_at", sa.Float(), nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_expires_at", sa.Float()),
        sa.Column("finished_at", sa.Float()),
        sa.Column("last_error", sa.Text()),
    )
    op.create_index("ix_deliveries_queue", "deliveries", ["state", "available_at", "id"])
    op.create_index("ix_deliveries_received", "deliveries", ["received_at"])
    op.create_table(
        "decisions",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("delivery_pk", sa.BigInteger(), sa.ForeignKey("deliveries.id"), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_decisions_delivery_pk", "decisions", ["delivery_pk"])
    op.create_table(
        "action_runs",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("delivery_pk", sa.BigInteger(), sa.ForeignKey("deliveries.id"), nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text()),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_action_runs_delivery_pk", "action_runs", ["delivery_pk"])
    _create_alerts()
    op.create_table(
        "state",
        sa.Column("namespace", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )


def _create_alerts() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", _Id, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("organisation", sa.String(128)),
        sa.Column("repository", sa.String(256)),
        sa.Column("subject", sa.String(512)),
        sa.Column("actor", sa.String(128)),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("delivery_id", sa.String(64)),
        sa.Column("action_taken", sa.Text()),
        sa.Column("action_result", sa.Text()),
        sa.Column("dedupe_key", sa.String(1024), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="open"),
        sa.Column("state_by", sa.String(128)),
        sa.Column("state_at", sa.Float()),
        sa.Column("state_note", sa.Text()),
    )
    op.create_index("ix_alerts_dedupe", "alerts", ["dedupe_key", "state"])
    op.create_index("ix_alerts_listing", "alerts", ["created_at", "id"])


def downgrade() -> None:
    for table in ("state", "alerts", "action_runs", "decisions", "deliveries"):
        op.drop_table(table)
