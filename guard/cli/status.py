"""``guard status``: what the status page shows, on the server's terminal (no sign-in needed there)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json

from guard.cli.common import configured_settings, started_services
from guard.status import Report, gather


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "status", help="the App, its installations, the inbox, dead deliveries, sweeps and API headroom"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    services = started_services(configured_settings())
    report = gather(services)
    print(json.dumps(dataclasses.asdict(report), indent=2) if args.format == "json" else render(report))
    services.db.dispose()
    return 0


def render(report: Report) -> str:
    """The report as plain text, one fact per line."""
    lines = _app_lines(report)
    if report.inbox is None:
        lines.append("database: did not answer")
    else:
        inbox = report.inbox
        lines.append(
            f"inbox: {inbox.depth} waiting, oldest {inbox.oldest_age_seconds:.0f} s; {inbox.dead} dead"
        )
    last = report.last_delivery
    if last is not None:
        event = f"{last.event}.{last.action}" if last.action else last.event
        where = last.repository or "-"
        lines.append(
            f"last delivery: {last.delivery_id} {event} {where} {last.state} at {_iso(last.received_at)}"
        )
    lines += [
        f"dead: {d.delivery_id} {d.event} {d.repository or '-'}: {(d.last_error or '')[:120]}"
        for d in report.recent_dead
    ]
    lines += [
        f"sweep {s.policy}: {s.outcome} at {_iso(s.finished_at)} in {s.duration_seconds:.1f} s"
        for s in report.sweeps
    ]
    for identity, limits in sorted(report.rate_limits.items()):
        lines += [f"rate limit {identity} {r}: {x.remaining}/{x.limit}" for r, x in sorted(limits.items())]
    return "\n".join(lines)


def _app_lines(report: Report) -> list[str]:
    app = report.app
    if app is None:
        return [f"app: none ({report.github_error})"]
    lines = [f"app: {app.name} (ID {app.app_id}, {app.html_url})"]
    lines += [f"  needs permission {name}: {level}" for name, level in app.missing_permissions.items()]
    lines += [f"  needs event {event}" for event in app.missing_events]
    for item in report.installations:
        state = "suspended" if item.suspended else "ignored" if not item.served else item.error or "watching"
        count = f"{item.repository_count} repositories"
        lines.append(f"installation {item.installation_id} {item.account}: {count}, {state}")
    return lines


def _iso(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat(timespec="seconds")
