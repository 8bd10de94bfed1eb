"""``guard feed verify`` checks the alert hash chain; ``guard feed export`` writes it as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from guard import alert_chain
from guard.alert_queries import QueryError, iso_time, parse_time
from guard.cli.common import configured_settings
from guard.db import Database
from guard.migrate import upgrade


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("feed", help="verify or export the alert feed's hash chain")
    actions = parser.add_subparsers(dest="feed_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify", help="check every link and every alert; report the first broken link (exit 1)"
    )
    verify.set_defaults(run=run_verify)
    export = actions.add_parser("export", help="write chain entries as JSON lines, for archiving")
    export.add_argument("--since", help="only entries at or after this ISO 8601 time")
    export.add_argument("--output", help="write to this file instead of standard output")
    export.set_defaults(run=run_export)


def _database() -> Database:
    database = Database(configured_settings().database_url)
    upgrade(database)
    return database


def run_verify(args: argparse.Namespace) -> int:
    database = _database()
    result = alert_chain.verify(database)
    database.dispose()
    if result.broken is None:
        print(f"chain intact: {result.entries} entries, {result.alerts} alerts match their last entry")
        return 0
    broken = result.broken
    where = ", ".join(
        part
        for part in (
            f"entry {broken.event_id}" if broken.event_id is not None else "",
            f"alert {broken.alert_id}" if broken.alert_id is not None else "",
        )
        if part
    )
    print(f"chain BROKEN at {where}: {broken.reason}")
    print(f"({result.entries} entries before it are intact)", file=sys.stderr)
    return 1


def run_export(args: argparse.Namespace) -> int:
    try:
        since = parse_time(args.since) if args.since else None
    except QueryError as exc:
        print(f"guard feed export: {exc}", file=sys.stderr)
        return 2
    database = _database()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            count = _write(database, since, out)
    else:
        count = _write(database, since, sys.stdout)
    database.dispose()
    print(f"exported {count} entries", file=sys.stderr)
    return 0


def _write(database: Database, since: float | None, out: TextIO) -> int:
    count = 0
    for entry in alert_chain.entries(database, since):
        line = {
            "id": entry["id"],
            "at": iso_time(entry["at"]),
            "kind": entry["kind"],
            "alert_id": entry["alert_id"],
            "prev_hash": entry["prev_hash"],
            "hash": entry["hash"],
            "entry": json.loads(entry["record"]),
        }
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    return count
