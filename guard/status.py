"""What the status page and ``guard status`` show: the App, what it serves, and how the pipeline is doing.

GitHub is asked for the App, its installations and their repositories (conditional requests, so an
unchanged answer costs no rate limit); the database for the inbox, the last delivery, dead deliveries
and the last sweep of each policy. A GitHub failure is shown, never raised: the inbox part still works.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from guard.db import Database, DatabaseUnavailable, deliveries
from guard.github import GitHub, GitHubError
from guard.github.ratelimit import RateLimit
from guard.inbox import DEAD, PROCESSING, QUEUED
from guard.manifest import needs
from guard.services import Services
from guard.state import StateStore
from guard.sweeps import NAMESPACE as SWEEPS

REPOSITORIES_SHOWN = 100
INSTALLATIONS_SHOWN = 50
_ACCESS = {"read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class InboxStats:
    """Unprocessed deliveries, the age of the oldest one, and dead deliveries kept for inspection."""

    depth: int
    oldest_age_seconds: float
    dead: int


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    event: str
    action: str | None
    state: str
    repository: str | None
    received_at: float
    last_error: str | None


@dataclass(frozen=True)
class AppInfo:
    """The registered App, and what the code needs that the registration lacks (to add on GitHub)."""

    app_id: int
    name: str
    slug: str
    owner: str
    html_url: str
    permissions: dict[str, str]
    events: list[str]
    missing_permissions: dict[str, str]
    missing_events: list[str]


@dataclass(frozen=True)
class InstallationInfo:
    installation_id: int
    account: str
    account_type: str
    repository_selection: str
    served: bool
    suspended: bool
    repositories: list[str] = field(default_factory=list)
    repository_count: int = 0
    missing_permissions: dict[str, str] = field(default_factory=dict)
    rate_limit: RateLimit | None = None
    error: str | None = None


@dataclass(frozen=True)
class Sweep:
    policy: str
    finished_at: float
    duration_seconds: float
    outcome: str


@dataclass(frozen=True)
class Report:
    """Everything the status page shows; ``github_error`` explains a missing App part."""

    now: float
    github_url: str
    app: AppInfo | None
    installations: list[InstallationInfo]
    github_error: str | None
    inbox: InboxStats | None
    last_delivery: Delivery | None
    recent_dead: list[Delivery]
    sweeps: list[Sweep]
    rate_limits: dict[str, dict[str, RateLimit]]


def inbox_stats(db: Database, now: float) -> InboxStats:
    """Depth, oldest age and dead count in one grouped query (raises DatabaseUnavailable)."""
    d = deliveries
    query = (
        sa.select(d.c.state, sa.func.count(), sa.func.min(d.c.received_at))
        .where(d.c.state.in_((QUEUED, PROCESSING, DEAD)))
        .group_by(d.c.state)
    )
    with db.read() as conn:
        rows = {row[0]: (row[1], row[2]) for row in conn.execute(query)}
    waiting = [rows[s] for s in (QUEUED, PROCESSING) if s in rows]
    oldest = min((received for _, received in waiting), default=None)
    return InboxStats(
        depth=sum(count for count, _ in waiting),
        oldest_age_seconds=0.0 if oldest is None else max(0.0, now - oldest),
        dead=rows.get(DEAD, (0, None))[0],
    )


def _deliveries(db: Database, *, state: str | None, limit: int) -> list[Delivery]:
    d = deliveries
    columns = [d.c[name] for name in Delivery.__dataclass_fields__]
    query = sa.select(*columns).order_by(d.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(d.c.state == state)
    with db.read() as conn:
        return [Delivery(**row._mapping) for row in conn.execute(query)]


def _sweeps(db: Database) -> list[Sweep]:
    found = StateStore(db).items(SWEEPS)
    return [
        Sweep(policy, float(v["finished_at"]), float(v["duration_seconds"]), str(v["outcome"]))
        for policy, v in sorted(found.items())
    ]


def missing(needed: dict[str, str], granted: dict[str, Any]) -> dict[str, str]:
    """The permissions in ``needed`` that ``granted`` lacks or grants at a lower level."""
    return {
        name: level
        for name, level in needed.items()
        if _ACCESS.get(str(granted.get(name)), 0) < _ACCESS[level]
    }


def gather(services: Services, clock: Callable[[], float] = time.time) -> Report:
    """Build the report; each part that fails says so instead of failing the whole."""
    now = clock()
    app, installations, github_error = _github_part(services)
    try:
        stats = inbox_stats(services.db, now)
        last = next(iter(_deliveries(services.db, state=None, limit=1)), None)
        dead = _deliveries(services.db, state=DEAD, limit=5)
        sweeps = _sweeps(services.db)
    except DatabaseUnavailable:
        stats, last, dead, sweeps = None, None, [], []
    github = services.github
    return Report(
        now=now,
        github_url=services.settings.github_url,
        app=app,
        installations=installations,
        github_error=github_error,
        inbox=stats,
        last_delivery=last,
        recent_dead=dead,
        sweeps=sweeps,
        rate_limits=github.rate_limits() if github else {},
    )


def _github_part(services: Services) -> tuple[AppInfo | None, list[InstallationInfo], str | None]:
    github = services.github
    if github is None:
        return None, [], "no App credentials: GitHub writes are off"
    permissions, events = needs(services.router)
    try:
        data = github.app().get("/app").data
        listed = list(github.app().paginate("/app/installations"))
    except GitHubError as exc:
        return None, [], f"GitHub answered {exc.status or 'nothing'}: {exc}"
    app = AppInfo(
        app_id=int(data["id"]),
        name=str(data["name"]),
        slug=str(data["slug"]),
        owner=str((data.get("owner") or {}).get("login", "")),
        html_url=str(data["html_url"]),
        permissions=dict(data.get("permissions") or {}),
        events=sorted(data.get("events") or []),
        missing_permissions=missing(permissions, data.get("permissions") or {}),
        missing_events=[e for e in events if e not in (data.get("events") or [])],
    )
    shown = listed[:INSTALLATIONS_SHOWN]
    return app, [_installation(services, github, item, permissions) for item in shown], None


def _installation(
    services: Services, github: GitHub, item: dict[str, Any], needed: dict[str, str]
) -> InstallationInfo:
    account = item.get("account") or {}
    login = str(account.get("login") or account.get("slug") or "")
    info = InstallationInfo(
        installation_id=int(item["id"]),
        account=login,
        account_type=str(account.get("type") or "Enterprise"),
        repository_selection=str(item.get("repository_selection", "")),
        served=services.settings.serves_org(login),
        suspended=bool(item.get("suspended_at")),
        missing_permissions=missing(needed, item.get("permissions") or {}),
    )
    if info.suspended:
        return info
    client = github.installation(info.installation_id)
    try:
        page = client.get("/installation/repositories", {"per_page": REPOSITORIES_SHOWN}).data
    except GitHubError as exc:
        return replace(info, error=f"GitHub answered {exc.status or 'nothing'}: {exc}")
    names = [str(repo["full_name"]) for repo in page.get("repositories", [])]
    return replace(
        info,
        repositories=names,
        repository_count=int(page.get("total_count", len(names))),
        rate_limit=client.rate_limit(),
    )
