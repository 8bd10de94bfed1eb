"""``guard deliveries`` lists recent deliveries; ``guard requeue ID`` processes one again."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from guard.cli.common import configured_settings
from guard.db import Database, deliveries
from guard.inbox import Inbox

COLUMNS = (
    "delivery_id",
    "event",
    "action",
    "state",
    "attempts",
    "source",
    "repository",
    "received_at",
    "last_error",
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    listing = commands.add_parser(
        "deliveries", help="recent deliveries: id, event, action, state, attempts, source (recovered, sweep)"
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument(
        "--state", help="only deliveries in this state (queued, processing, done, dead, ignored)"
    )
    listing.set_defaults(run=run_list)
    requeue = commands.add_parser("requeue", help="process a finished or dead delivery again")
    requeue.add_argument("delivery_id")
    requeue.set_defaults(run=run_requeue)


def recent(database: Database, limit: int, state: str | None) -> list[dict[str, object]]:
    query = sa.select(*(deliveries.c[name] for name in COLUMNS)).order_by(deliveries.c.id.desc()).limit(limit)
    if state:
        query = query.where(deliveries.c.state == state)
    with database.read() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    for row in rows:
        row["received_at"] = iso_time(row["received_at"])
    return rows


def iso_time(epoch: object) -> str:
    """An epoch-seconds column as an ISO 8601 UTC time."""
    assert isinstance(epoch, int | float)
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def run_list(args: argparse.Namespace) -> int:
    database = Database(configured_settings().database_url)
    rows = recent(database, args.limit, args.state)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    print(
        f"{'DELIVERY':<38} {'EVENT':<28} {'STATE':<10} {'TRIES':>5}  {'SOURCE':<10} {'RECEIVED':<25} "
        "REPOSITORY"
    )
    for row in rows:
        event = f"{row['event']}.{row['action']}" if row["action"] else str(row["event"])
        print(
            f"{row['delivery_id']!s:<38} {event:<28} {row['state']!s:<10} {row['attempts']!s:>5}  "
            f"{row['source']!s:<10} {row['received_at']!s:<25} {row['repository'] or '-'}"
        )
        if row["state"] in ("dead", "queued") and row["last_error"]:
            print(f"{'':<38} last error: {str(row['last_error'])[:200]}")
    return 0


def run_requeue(args: argparse.Namespace) -> int:
    settings = configured_settings()
    if Inbox(Database(settings.database_url)).requeue(args.delivery_id):
        print(f"delivery {args.delivery_id} is queued again")
        return 0
    print(f"no finished or dead delivery {args.delivery_id}")
    return 1
