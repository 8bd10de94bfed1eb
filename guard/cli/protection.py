"""``guard protection status|suspend|resume OWNER/REPO``: report branch protection, and break-glass.

A break-glass lets an administrator do legitimate maintenance: until it expires (by itself, at most 24
hours after it starts) the guard reports changes to the repository's protection but does not restore
them, and does not recreate deleted branches. Starting and ending one is recorded in the alert feed.
When it ends, a check of the repository is queued for that moment, so protection comes back at once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import time
from dataclasses import dataclass

from guard.alerts import AlertStore
from guard.cli.common import configured_settings
from guard.config_store import ConfigStore
from guard.db import Database
from guard.facts_protection import RepoRef
from guard.github import Client, GitHub, NotFound
from guard.inbox import Inbox, IncomingDelivery
from guard.migrate import upgrade
from guard.protection_records import clear_suspension, read_suspension, save_suspension, suspension_started
from guard.protection_report import as_json, branch_reports, render_text
from guard.services import make_github
from guard.settings import Settings
from guard.state import StateStore
from policies.base import AlertSpec, Severity
from policies.branch_protection.drift import POLICY, Suspension
from policies.branch_protection.render import when

MAX_SUSPENSION = 24 * 3600
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("protection", help="branch protection: status, and break-glass")
    actions = parser.add_subparsers(dest="protection_command", required=True, metavar="ACTION")
    status = actions.add_parser(
        "status",
        help="declared against effective protection of OWNER/REPO; exit 1 if they differ",
        description="For every branch a rule names: the declared protection, what GitHub enforces (the "
        "classic rule and the rulesets together), and the differences. Uses the App's credentials.",
    )
    status.add_argument("repository", metavar="OWNER/REPO")
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.set_defaults(run=run_status)
    suspend = actions.add_parser(
        "suspend",
        help="break-glass: stop restoring OWNER/REPO's protection for a while",
        description="Until the time is up the guard reports but does not restore protection (at most 24h). "
        "Recorded in the alert feed; a re-check is queued for the moment it expires.",
    )
    suspend.add_argument("repository", metavar="OWNER/REPO")
    suspend.add_argument(
        "--for", dest="duration", required=True, metavar="DURATION", help="e.g. 2h, 30m, 1h30m"
    )
    suspend.add_argument("--reason", required=True, help="why, for the alert feed")
    suspend.add_argument("--by", default=None, help="who asks (default: the operating system user)")
    suspend.set_defaults(run=run_suspend)
    resume = actions.add_parser("resume", help="end a break-glass now and re-check the repository")
    resume.add_argument("repository", metavar="OWNER/REPO")
    resume.add_argument("--by", default=None, help="who ends it (default: the operating system user)")
    resume.set_defaults(run=run_resume)


def parse_duration(text: str) -> int:
    """Seconds in ``2h``, ``30m``, ``1h30m`` or ``1d``; ValueError with the reason otherwise."""
    found = _DURATION.match(text.strip())
    if not found or not any(found.groups()):
        raise ValueError(f"{text!r} is not a duration such as 2h, 30m or 1h30m")
    days, hours, minutes = (int(part or 0) for part in found.groups())
    seconds = days * 86400 + hours * 3600 + minutes * 60
    if not 0 < seconds <= MAX_SUSPENSION:
        raise ValueError("a break-glass lasts more than 0 and at most 24h; start another one to extend it")
    return seconds


@dataclass(frozen=True)
class _Connection:
    settings: Settings
    database: Database
    github: GitHub | None


def _connect() -> _Connection:
    settings = configured_settings()
    database = Database(settings.database_url)
    upgrade(database)
    return _Connection(settings, database, make_github(settings))


def _installation(github: GitHub, repository: str) -> tuple[int, Client] | None:
    try:
        installation = int(github.app().get(f"/repos/{repository}/installation").data["id"])
    except NotFound:
        return None
    return installation, github.installation(installation)


def _valid_name(repository: str, command: str) -> bool:
    if repository.count("/") == 1 and all(repository.split("/")):
        return True
    print(f"guard protection {command}: expected OWNER/REPO, got {repository!r}")
    return False


def run_status(args: argparse.Namespace) -> int:
    if not _valid_name(args.repository, "status"):
        return 2
    connection = _connect()
    if connection.github is None:
        print("guard protection status needs the App's credentials: set APP_ID and PRIVATE_KEY")
        return 2
    found = _installation(connection.github, args.repository)
    if found is None:
        print(
            f"guard protection status: the App is not installed on {args.repository} (or it does not exist)"
        )
        return 1
    _, client = found
    state = StateStore(connection.database)
    repo = RepoRef.from_api(client.get(f"/repos/{args.repository}").data)
    settings = ConfigStore(state, None).effective(client, repo.full_name).branch_protection
    app_id = int(connection.github.app().get("/app").data["id"])
    reports = branch_reports(client, repo, settings, app_id)
    suspension, now = read_suspension(state, repo.full_name), time.time()
    if args.format == "json":
        print(json.dumps(as_json(reports, suspension, now), indent=2))
    else:
        print(render_text(repo.full_name, settings, reports, suspension, now))
    return 1 if any(r.differences for r in reports) else 0


def _sweep_payload(client: Client, installation: int, repository: str, at: float) -> str:
    data = client.get(f"/repos/{repository}").data
    return json.dumps(
        {
            "action": POLICY,
            "installation": {"id": installation},
            "repository": data,
            "sweep": {"started_at": at},
        }
    )


def _queue_check(connection: _Connection, repository: str, at: float, why: str) -> str:
    """Queue a ``guard_sweep`` of the repository for ``at``; says what happened."""
    found = _installation(connection.github, repository) if connection.github else None
    if found is None:
        return (
            "no re-check queued (no App credentials or no installation): the next sweep or event will check"
        )
    installation, client = found
    delivery = IncomingDelivery(
        delivery_id=f"{why}:{repository.lower()}:{int(at)}",
        event="guard_sweep",
        action=POLICY,
        installation_id=installation,
        repository=repository,
        payload=_sweep_payload(client, installation, repository, at),
        source="internal",
        not_before=at,
    )
    Inbox(connection.database).put(delivery)
    return f"re-check of {repository} queued for {when(at)}"


def _feed(connection: _Connection, repository: str, started: float, *, by: str, **text: str) -> None:
    """Record the break-glass in the feed: one alert per break-glass, updated when it ends early."""
    alert = AlertSpec(
        severity=Severity.MEDIUM,
        policy=POLICY,
        rule="break-glass",
        title=text["title"],
        details=text["details"],
        repository=repository,
        subject=f"break-glass@{int(started)}",
        actor=by,
        action_taken=text["action_taken"],
    )
    AlertStore(connection.database).raise_alert(alert)


def run_suspend(args: argparse.Namespace) -> int:
    if not _valid_name(args.repository, "suspend"):
        return 2
    try:
        seconds = parse_duration(args.duration)
    except ValueError as exc:
        print(f"guard protection suspend: {exc}")
        return 2
    if not args.reason.strip():
        print("guard protection suspend: --reason must say why (it goes to the alert feed)")
        return 2
    connection, now, by = _connect(), time.time(), args.by or getpass.getuser()
    suspension = Suspension(now + seconds, by, args.reason.strip())
    save_suspension(StateStore(connection.database), args.repository, suspension, now)
    queued = _queue_check(connection, args.repository, suspension.until, "break-glass-end")
    _feed(
        connection,
        args.repository,
        now,
        by=by,
        title=f"Break-glass: protection of {args.repository} not restored until {when(suspension.until)}",
        details=f"**{by}** suspended the restoration of branch protection in {args.repository} until "
        f"{when(suspension.until)}: {suspension.reason}\n\nChanges are still reported; they are not undone, "
        "and deleted protected branches are not recreated. It ends by itself; `guard protection resume "
        f"{args.repository}` ends it now.",
        action_taken=f"restoration suspended until {when(suspension.until)}",
    )
    print(f"{args.repository}: restoration suspended until {when(suspension.until)}; {queued}")
    return 0


def run_resume(args: argparse.Namespace) -> int:
    if not _valid_name(args.repository, "resume"):
        return 2
    connection, now, by = _connect(), time.time(), args.by or getpass.getuser()
    state = StateStore(connection.database)
    suspension = read_suspension(state, args.repository)
    started = suspension_started(state, args.repository)
    if suspension is None or started is None or not suspension.active(now):
        print(f"{args.repository}: no break-glass in force")
        return 1
    clear_suspension(state, args.repository)
    queued = _queue_check(connection, args.repository, now, "break-glass-resumed")
    _feed(
        connection,
        args.repository,
        started,
        by=by,
        title=f"Break-glass of {args.repository} ended early by {by}",
        details=f"**{by}** ended the break-glass of {args.repository} (it would have lasted until "
        f"{when(suspension.until)}: {suspension.reason}). The guard restores protection again.",
        action_taken="restoration resumed",
    )
    print(f"{args.repository}: restoration resumed; {queued}")
    return 0
