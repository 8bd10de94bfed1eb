"""``guard replay DELIVERY_ID|FILE``: run the policies on a stored or recorded delivery without acting.

The decisions are printed; nothing is written to GitHub, the alert feed or the policy state. Facts are
still read from GitHub when App credentials are configured.
"""

from __future__ import annotations

import argparse
import json
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from guard.cli.common import configured_settings, started_services
from guard.db import Database, deliveries
from guard.engine import Engine
from guard.inbox import Claimed
from guard.webhook import summarise


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "replay", help="show what the policies decide for a delivery, without acting"
    )
    parser.add_argument("target", help="a stored delivery id, or a JSON payload file")
    parser.add_argument("--event", help="the event name (needed for a file)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    services = started_services(configured_settings())
    path = Path(args.target)
    if path.is_file():
        if not args.event:
            print("guard replay: --event is needed to replay a payload file")
            return 2
        delivery = _from_file(path, args.event)
    else:
        found = _stored(services.db, args.target)
        if found is None:
            print(f"guard replay: no stored delivery {args.target} and no such file")
            return 2
        delivery = found
    evaluated = Engine(services, dry_run=True).process(delivery)
    records = [item.as_record() for item in evaluated]
    print(json.dumps(records, indent=2) if args.format == "json" else render(delivery, records))
    return 0


def _from_file(path: Path, event: str) -> Claimed:
    payload = path.read_text(encoding="utf-8")
    summary = summarise(json.loads(payload))
    return Claimed(
        0,
        f"replay-{uuid.uuid4()}",
        event,
        summary.action,
        summary.installation_id,
        summary.repository,
        payload,
        1,
        "replay",
        "replay",
    )


def _stored(database: Database, delivery_id: str) -> Claimed | None:
    with database.read() as conn:
        row = (
            conn.execute(sa.select(deliveries).where(deliveries.c.delivery_id == delivery_id))
            .mappings()
            .first()
        )
    if row is None:
        return None
    return Claimed(
        row["id"],
        row["delivery_id"],
        row["event"],
        row["action"],
        row["installation_id"],
        row["repository"],
        row["payload"],
        row["attempts"],
        row["source"],
        "replay",
    )


def render(delivery: Claimed, records: list[dict[str, Any]]) -> str:
    lines = [
        f"{delivery.event}.{delivery.action or '-'} {delivery.repository or ''} (dry run: nothing was done)"
    ]
    if not records:
        lines.append("  no policy made a decision for this delivery")
    for record in records:
        lines.append(f"\n[{record['policy']}] {record['summary']}")
        lines += [f"  {f['severity']:<8} {f['rule']}: {f['message']}" for f in record["findings"]]
        lines += [f"  would {a['description']}" for a in record["actions"]]
    return "\n".join(lines)
