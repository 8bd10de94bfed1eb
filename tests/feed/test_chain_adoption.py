"""Alerts stored before migration 0003 are adopted into the hash chain, so verification starts intact."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command

from guard import alert_chain
from guard.alerts import AlertStore
from guard.db import Database
from guard.migrate import _config, upgrade

OLD_ALERT = {
    "created_at": 1.0,
    "updated_at": 1.0,
    "last_seen_at": 1.0,
    "count": 2,
    "severity": 3,
    "policy": "system",
    "rule": "delivery-dead",
    "title": "old",
    "details": "old alert",
    "dedupe_key": "system|delivery-dead||",
    "state": "open",
}


def test_alerts_from_before_the_chain_are_adopted_and_verify(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    with database.engine.begin() as conn:
        command.upgrade(_config(conn), "0002")
        old_alerts = sa.Table("alerts", sa.MetaData(), autoload_with=conn)
        conn.execute(old_alerts.insert().values(OLD_ALERT))
    upgrade(database)
    result = alert_chain.verify(database)
    assert (result.entries, result.alerts, result.broken) == (1, 1, None)
    AlertStore(database).acknowledge(1, "alice")
    assert alert_chain.verify(database).broken is None
    database.dispose()
