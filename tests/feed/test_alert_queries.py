"""Listing alerts: every filter, newest-changed first, and cursor pages that neither repeat nor skip."""

from __future__ import annotations

import itertools

import pytest

from guard.alert_queries import AlertFilter, QueryError, list_alerts, parse_filter, parse_limit
from guard.alerts import AlertStore
from guard.db import Database
from policies.base import AlertSpec, Severity


def spec(number: int, severity: Severity = Severity.HIGH, **fields: str) -> AlertSpec:
    values = {
        "policy": "branch_protection",
        "rule": "protection-weakened",
        "title": f"alert {number}",
        "details": "details",
        "repository": "acme/widgets",
        "subject": f"refs/heads/b{number}",
        **fields,
    }
    return AlertSpec(severity=severity, **values)


@pytest.fixture
def store(database_url: str) -> AlertStore:
    ticks = itertools.count(1_800_000_000)
    return AlertStore(Database(database_url), clock=lambda: float(next(ticks)))


def titles(store: AlertStore, wanted: AlertFilter, limit: int = 50) -> list[str]:
    return [alert.title for alert in list_alerts(store.db, wanted, limit=limit).alerts]


def test_each_filter_selects_only_matching_alerts(store: AlertStore) -> None:
    store.raise_alert(spec(1, Severity.LOW))
    store.raise_alert(spec(2, Severity.CRITICAL, policy="config", rule="bad-config"))
    store.raise_alert(spec(3, Severity.MEDIUM, repository="acme/gadgets"))
    assert titles(store, parse_filter({"min_severity": "medium"})) == ["alert 3", "alert 2"]
    assert titles(store, parse_filter({"policy": "config"})) == ["alert 2"]
    assert titles(store, parse_filter({"repository": "acme/gadgets"})) == ["alert 3"]
    assert titles(store, parse_filter({"state": "resolved"})) == []
    assert titles(store, parse_filter({"since": "2027-01-15T08:00:01Z"})) == ["alert 3", "alert 2"]
    assert titles(store, AlertFilter()) == ["alert 3", "alert 2", "alert 1"]


def test_a_repeated_alert_moves_to_the_top_once(store: AlertStore) -> None:
    for number in (1, 2, 3):
        store.raise_alert(spec(number))
    store.raise_alert(spec(1))
    page = list_alerts(store.db, AlertFilter()).alerts
    assert [(a.title, a.count) for a in page] == [("alert 1", 2), ("alert 3", 1), ("alert 2", 1)]


def test_cursor_pages_walk_every_alert_once(store: AlertStore) -> None:
    for number in range(7):
        store.raise_alert(spec(number))
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = list_alerts(store.db, AlertFilter(), cursor=cursor, limit=3)
        seen += [alert.title for alert in page.alerts]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"alert {n}" for n in reversed(range(7))]


@pytest.mark.parametrize(
    "args",
    [
        {"min_severity": "urgent"},
        {"policy": "fork-secrets"},
        {"state": "closed"},
        {"since": "yesterday"},
    ],
)
def test_unknown_filter_values_are_refused(args: dict[str, str]) -> None:
    with pytest.raises(QueryError):
        parse_filter(args)


@pytest.mark.parametrize("cursor", ["not-base64!", "WzEsMiwzXQ", "WzEsMi41XQ", "eyJhIjogMX0", "WyJ4IiwgMV0"])
def test_a_cursor_the_guard_did_not_make_is_refused(store: AlertStore, cursor: str) -> None:
    with pytest.raises(QueryError):
        list_alerts(store.db, AlertFilter(), cursor=cursor)


@pytest.mark.parametrize("text", ["0", "201", "-1", "ten"])
def test_limits_outside_one_to_two_hundred_are_refused(text: str) -> None:
    with pytest.raises(QueryError):
        parse_limit(text)
