"""Recover deliveries GitHub failed to deliver: GitHub never redelivers by itself and keeps them 3 days.

Each run walks the App's deliveries (``GET /app/hook/deliveries``, newest first, JWT) back to where the
last complete walk began, groups the attempts by GUID, and asks GitHub to redeliver
(``POST /app/hook/deliveries/{id}/attempts``) every event that never got a 2xx and is not in the inbox.
A run that stops early (rate limit, outage, its redelivery budget) does not move the starting point, so
the next run covers the same ground. Redelivered events arrive through the receiver as usual, keep
their GUID, and are marked ``recovered`` in ``guard deliveries``.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog

from guard.db import deliveries
from guard.github import Client, GitHubError
from guard.services import Services
from guard.state import StateStore

log = structlog.get_logger("guard.recovery")
NAMESPACE = "recovery"
RETENTION_SECONDS = 3 * 24 * 3600  # github.com keeps failed deliveries for 3 days
OVERLAP_SECONDS = 600  # attempts can be listed a little after they happen
MAX_REDELIVERIES_PER_RUN = 50  # redeliveries create content; stay well under GitHub's secondary limits


@dataclass
class Report:
    """What one run saw and did."""

    examined: int = 0
    failed_events: int = 0
    already_stored: int = 0
    redelivered: list[str] = field(default_factory=list)
    complete: bool = False


def _epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Recovery:
    """One walk over the App's deliveries; ``run`` is safe to call from several instances."""

    def __init__(self, services: Services, app: Client, *, clock: Callable[[], float] = time.time) -> None:
        self.services = services
        self.app = app
        self.clock = clock
        self.store = StateStore(services.db, clock)

    def run(self) -> Report:
        started = self.clock()
        walk = self._walk()
        since = max(walk.get("walked_from", 0.0) - OVERLAP_SECONDS, started - RETENTION_SECONDS)
        report = Report()
        failed = self._failed_events(since, report)
        stored = self._stored(set(failed))
        report.already_stored = len(stored)
        requested = dict(walk.get("requested", {}))
        for guid, attempt_id in failed.items():
            if guid in stored or guid in requested:
                continue
            if len(report.redelivered) >= MAX_REDELIVERIES_PER_RUN:
                log.info("redelivery budget spent; the next run continues", remaining=len(failed))
                self._remember(requested, started, complete=False)
                return report
            self.app.post(f"/app/hook/deliveries/{attempt_id}/attempts")
            requested[guid] = started
            report.redelivered.append(guid)
        report.complete = True
        self._remember(requested, started, complete=True)
        self._mark_recovered(requested)
        log.info(
            "delivery recovery done",
            examined=report.examined,
            failed=report.failed_events,
            redelivered=len(report.redelivered),
        )
        return report

    def _failed_events(self, since: float, report: Report) -> dict[str, int]:
        """GUID -> latest attempt id, for every event with no successful attempt since ``since``."""
        succeeded: set[str] = set()
        latest: dict[str, int] = {}
        for item in self._attempts(since):
            report.examined += 1
            guid = str(item["guid"])
            if 200 <= int(item.get("status_code") or 0) < 300:
                succeeded.add(guid)
            latest.setdefault(guid, int(item["id"]))
        failed = {guid: attempt for guid, attempt in latest.items() if guid not in succeeded}
        report.failed_events = len(failed)
        return failed

    def _attempts(self, since: float) -> Iterator[dict[str, Any]]:
        for item in self.app.paginate("/app/hook/deliveries"):
            if _epoch(str(item["delivered_at"])) < since:
                return
            yield item

    def _stored(self, guids: set[str]) -> set[str]:
        if not guids:
            return set()
        query = sa.select(deliveries.c.delivery_id).where(deliveries.c.delivery_id.in_(sorted(guids)))
        with self.services.db.read() as conn:
            return {str(row[0]) for row in conn.execute(query)}

    def _mark_recovered(self, requested: dict[str, float]) -> None:
        """Deliveries that arrived because of a redelivery request show as ``recovered``."""
        if not requested:
            return
        with self.services.db.write() as conn:
            conn.execute(
                deliveries.update()
                .where(deliveries.c.delivery_id.in_(sorted(requested)), deliveries.c.source == "webhook")
                .values(source="recovered")
            )

    def _walk(self) -> dict[str, Any]:
        return dict(self.store.get(NAMESPACE, "walk") or {})

    def _remember(self, requested: dict[str, float], started: float, *, complete: bool) -> None:
        """Keep the GUIDs asked for in the retention window, and where the next walk may start."""
        horizon = started - RETENTION_SECONDS
        kept = {guid: at for guid, at in requested.items() if at >= horizon}
        value = {
            "requested": kept,
            "walked_from": started if complete else self._walk().get("walked_from", 0.0),
        }
        self.store.put(NAMESPACE, "walk", value)


def recover(services: Services) -> Report | None:
    """One recovery run with the App's credentials; None when the guard has none."""
    if services.github is None:
        return None
    try:
        return Recovery(services, services.github.app()).run()
    except GitHubError as exc:
        log.warning("delivery recovery stopped; the next run starts from the same point", error=str(exc))
        return None
