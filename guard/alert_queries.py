"""Reading the alert feed: filters, newest-changed-first pages with an opaque cursor, and one alert by id.

The JSON API, the Atom feed and the web page all list alerts through ``list_alerts``. Alerts are ordered
by the time they last changed (raised, repeated, acknowledged, resolved), newest first, then by id; the
cursor names the last alert of a page, so a page never repeats or skips an alert that did not change.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from guard.db import Database, alerts
from policies.base import Severity

POLICIES = ("branch_protection", "fork_secrets", "pipeline_review", "config", "system")
STATES = ("open", "acknowledged", "resolved")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
FILTER_NAMES = ("min_severity", "policy", "repository", "state", "since")


class QueryError(ValueError):
    """A filter, cursor or limit that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to list; None means any."""

    min_severity: Severity | None = None
    policy: str | None = None
    repository: str | None = None
    state: str | None = None
    since: float | None = None
    # The organisations a signed-in reader may read (None: every alert, as for an API token). Alerts
    # with no organisation count by their repository's owner; guard-wide ones are visible to every reader.
    organisations: tuple[str, ...] | None = None

    def as_query(self) -> dict[str, str]:
        """The filter as query parameters (for links to the next page and between views)."""
        values = {
            "min_severity": self.min_severity.label if self.min_severity is not None else None,
            "policy": self.policy,
            "repository": self.repository,
            "state": self.state,
            "since": iso_time(self.since) if self.since is not None else None,
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class Alert:
    """One alert as the feed shows it."""

    id: int
    created_at: float
    updated_at: float
    last_seen_at: float
    count: int
    severity: Severity
    policy: str
    rule: str
    organisation: str | None
    repository: str | None
    subject: str | None
    actor: str | None
    title: str
    details: str
    delivery_id: str | None
    action_taken: str | None
    action_result: str | None
    state: str
    state_by: str | None
    state_at: float | None
    state_note: str | None

    def as_json(self) -> dict[str, Any]:
        """The alert as the JSON API answers it (times in ISO 8601 UTC, severity by name)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["severity"] = self.severity.label
        for name in ("created_at", "updated_at", "last_seen_at", "state_at"):
            data[name] = iso_time(data[name]) if data[name] is not None else None
        return data


@dataclass(frozen=True)
class Page:
    """One page of alerts and the cursor of the next page (None on the last)."""

    alerts: tuple[Alert, ...]
    next_cursor: str | None


COLUMNS = tuple(alerts.c[name] for name in Alert.__dataclass_fields__)


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> float:
    """An ISO 8601 time (UTC when it names no zone) as epoch seconds."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(
            f"since must be an ISO 8601 time such as 2026-01-31T12:00:00Z, got {text!r}"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def parse_filter(args: Mapping[str, str]) -> AlertFilter:
    """The filter named by query parameters; an unknown value is a QueryError, not an ignored filter."""
    severity = args.get("min_severity") or None
    policy = args.get("policy") or None
    state = args.get("state") or None
    since = args.get("since") or None
    if policy is not None and policy not in POLICIES:
        raise QueryError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    if state is not None and state not in STATES:
        raise QueryError(f"state must be one of {', '.join(STATES)}, got {state!r}")
    try:
        minimum = Severity.parse(severity) if severity is not None else None
    except ValueError as exc:
        raise QueryError(f"min_severity: {exc}") from None
    return AlertFilter(
        min_severity=minimum,
        policy=policy,
        repository=args.get("repository") or None,
        state=state,
        since=parse_time(since) if since is not None else None,
    )


def parse_limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise QueryError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def encode_cursor(alert: Alert) -> str:
    raw = json.dumps([alert.updated_at, alert.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, int]:
    """The (updated_at, id) position a cursor names; QueryError when it is not one this guard made."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise QueryError("cursor is not valid; use the next_cursor of a previous page") from None
    valid_shape = isinstance(value, list) and len(value) == 2
    if not valid_shape or not isinstance(value[0], int | float) or type(value[1]) is not int:
        raise QueryError("cursor is not valid; use the next_cursor of a previous page")
    return float(value[0]), value[1]


# The share of alerts each filter typically keeps. SQLite has no statistics (nothing runs ANALYZE), so
# its planner takes every filter as equally selective and may walk a common state's index for a rare
# repository (38 ms instead of 1 ms over 100,000 alerts); likelihood() tells it which index to search.
_SHARE = {"repository": "0.01", "policy": "0.2", "state": "0.3", "min_severity": "0.4", "since": "0.5"}


def filter_conditions(wanted: AlertFilter, *, hinted: bool) -> list[sa.ColumnElement[bool]]:
    found: dict[str, sa.ColumnElement[bool]] = {}
    if wanted.min_severity is not None:
        found["min_severity"] = alerts.c.severity >= int(wanted.min_severity)
    for name in ("policy", "repository", "state"):
        value = getattr(wanted, name)
        if value is not None:
            found[name] = alerts.c[name] == value
    if wanted.since is not None:
        found["since"] = alerts.c.updated_at >= wanted.since
    scope = [] if wanted.organisations is None else [within_organisations(wanted.organisations)]
    if not hinted:
        return [*found.values(), *scope]
    return [sa.func.likelihood(term, sa.literal_column(_SHARE[name])) for name, term in found.items()] + scope


def within_organisations(organisations: tuple[str, ...]) -> sa.ColumnElement[bool]:
    """Alerts of these organisations: by ``organisation``, else by the repository's owner.

    Logins are compared as GitHub spells them (and lower-cased), with plain equality and prefixes, so
    PostgreSQL's statistics see how much of the table an organisation holds and pick the ordered walk.
    """
    names = sorted({spelling for o in organisations for spelling in (o, o.lower())})
    owned = [alerts.c.repository.startswith(name + "/", autoescape=True) for name in names]
    unattributed = alerts.c.organisation.is_(None)
    return sa.or_(
        alerts.c.organisation.in_(names),
        sa.and_(unattributed, alerts.c.repository.is_(None)),
        sa.and_(unattributed, sa.or_(sa.false(), *owned)),
    )


def list_alerts(
    db: Database, wanted: AlertFilter, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page:
    """One page of the alerts ``wanted`` selects, after the alert ``cursor`` names."""
    query = sa.select(*COLUMNS).where(*filter_conditions(wanted, hinted=not db.is_postgres))
    if cursor is not None:
        updated_at, alert_id = decode_cursor(cursor)
        query = query.where(sa.tuple_(alerts.c.updated_at, alerts.c.id) < sa.tuple_(updated_at, alert_id))
    query = query.order_by(alerts.c.updated_at.desc(), alerts.c.id.desc()).limit(limit + 1)
    with db.read() as conn:
        found = [alert_from_row(row._mapping) for row in conn.execute(query)]
    page = tuple(found[:limit])
    return Page(page, encode_cursor(page[-1]) if len(found) > limit else None)


def get_alert(db: Database, alert_id: int) -> Alert | None:
    with db.read() as conn:
        row = conn.execute(sa.select(*COLUMNS).where(alerts.c.id == alert_id)).first()
    return None if row is None else alert_from_row(row._mapping)


def alert_from_row(row: Mapping[str, Any] | sa.RowMapping) -> Alert:
    """An alert from its table row (any extra columns are left out)."""
    values = {name: row[name] for name in Alert.__dataclass_fields__}
    values["severity"] = Severity(values["severity"])
    return Alert(**values)
