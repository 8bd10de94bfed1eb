"""Recover deliveries GitHub failed to deliver: GitHub never redelivers by itself and keeps them 3 days.

Each run walks the App's deliveries (``GET /app/hook/deliveries``, newest first, cursor pages, JWT) back
to where the last complete walk began, takes each event's newest attempt, and asks GitHub to redeliver
(``POST /app/hook/deliveries/{id}/attempts``) every event whose newest attempt failed and that is not in
the inbox. Bounded: at most ``max_redeliveries`` per run, a pause between them, and the walk stops while
the App's rate-limit headroom is below ``HEADROOM_RESERVE``. Resumable: a run that stops early (budget,
headroom, outage, shutdown) keeps the cursor of the page it was on, and the next run finishes that part
before walking the new deliveries above it. An event asked for is asked again only when its redelivery
failed too (or never showed up), at most ``MAX_ASKS`` times, or when the process that took the ask
died before sending it. Redelivered events arrive through the
receiver as usual, keep their GUID, and show as ``recovered`` in ``guard deliveries``.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog

from guard.db import deliveries
from guard.github import Client, GitHubError, GitHubUnavailable, RateLimited
from guard.redelivery_requests import RedeliveryRequests, Request
from guard.services import Services
from guard.state import StateStore

log = structlog.get_logger("guard.recovery")
NAMESPACE = "recovery"
FIRST_PAGE = "/app/hook/deliveries?per_page=100"
RETENTION_SECONDS = 3 * 24 * 3600  # github.com keeps failed deliveries for 3 days
OVERLAP_SECONDS = 600  # attempts can be listed a little after they happen
MAX_REDELIVERIES_PER_RUN = 50  # redeliveries create content; stay well under GitHub's secondary limits
REDELIVERY_PAUSE_SECONDS = 1.0  # GitHub asks for at least a second between mutating requests
HEADROOM_RESERVE = 0.2  # never spend the last fifth of the App's hourly budget on recovery
MAX_ASKS = 3
ASK_AGAIN_AFTER_SECONDS = 3600.0  # a request that produced no new attempt in this long is made again
UNSENT_AFTER_SECONDS = 60.0  # an ask still not sent this long after it was taken died with its process


@dataclass
class Report:
    """What one run saw and did; ``stopped`` says why an incomplete run ended early."""

    examined: int = 0
    failed_events: int = 0
    already_stored: int = 0
    redelivered: list[str] = field(default_factory=list)
    complete: bool = False
    stopped: str | None = None


@dataclass(frozen=True)
class Attempt:
    """The newest attempt of one event."""

    id: int
    guid: str
    at: float
    ok: bool


@dataclass(frozen=True)
class Segment:
    """Part of a walk: from ``start`` (a page URL; None for the newest page) down to time ``until``."""

    start: str | None
    until: float
    top: float


class Stop(Exception):
    """The run must end here; the walk resumes at the page it was on."""


def _epoch(text: str) -> float:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Recovery:
    """One walk over the App's deliveries; ``run`` is safe to call from several instances."""

    def __init__(
        self,
        services: Services,
        app: Client,
        *,
        clock: Callable[[], float] = time.time,
        pause: float = REDELIVERY_PAUSE_SECONDS,
        sleep: Callable[[float], object] = time.sleep,
        max_redeliveries: int = MAX_REDELIVERIES_PER_RUN,
    ) -> None:
        self.services = services
        self.app = app
        self.clock = clock
        self.pause = pause
        self.sleep = sleep
        self.max_redeliveries = max_redeliveries
        self.store = StateStore(services.db, clock)
        self.requests = RedeliveryRequests(services.db, clock)

    def run(self) -> Report:
        started = self.clock()
        horizon = started - RETENTION_SECONDS
        walk = dict(self.store.get(NAMESPACE, "walk") or {})
        report, seen = Report(), set[str]()
        for segment in self._segments(walk, started, horizon):
            try:
                self._walk_segment(segment, report, seen)
            except Stop as stop:
                resume = {"next": str(stop.args[0]), "until": segment.until, "top": segment.top}
                self.store.put(NAMESPACE, "walk", walk | {"resume": resume})
                log.info(
                    "delivery recovery paused", reason=report.stopped, redelivered=len(report.redelivered)
                )
                return report
        report.complete = True
        self.store.put(NAMESPACE, "walk", {"walked_from": started})
        self.requests.forget_before(horizon)
        log.info(
            "delivery recovery done",
            examined=report.examined,
            failed=report.failed_events,
            redelivered=len(report.redelivered),
        )
        return report

    def _segments(self, walk: dict[str, Any], started: float, horizon: float) -> list[Segment]:
        """The unfinished part of an interrupted walk (if any), then the new deliveries above it."""
        resume = walk.get("resume")
        if not resume:
            until = max(float(walk.get("walked_from", 0.0)) - OVERLAP_SECONDS, horizon)
            return [Segment(None, until, started)]
        top_until = max(float(resume["top"]) - OVERLAP_SECONDS, horizon)
        return [
            Segment(str(resume["next"]), max(float(resume["until"]), horizon), float(resume["top"])),
            Segment(None, top_until, started),
        ]

    def _walk_segment(self, segment: Segment, report: Report, seen: set[str]) -> None:
        url: str | None = segment.start or FIRST_PAGE
        while url is not None:
            self._check_headroom(url, report)
            try:
                response = self.app.get(url)
            except (RateLimited, GitHubUnavailable) as exc:
                report.stopped = str(exc)
                raise Stop(url) from exc
            except GitHubError:
                if segment.start is None:
                    raise
                log.warning("the saved cursor was refused; walking that part again from the newest page")
                self._walk_segment(Segment(None, segment.until, segment.top), report, seen)
                return
            items = response.data if isinstance(response.data, list) else []
            if self._page(items, segment.until, report, seen, url):
                return
            url = response.links.get("next")

    def _page(
        self, items: list[dict[str, Any]], until: float, report: Report, seen: set[str], url: str
    ) -> bool:
        """Handle one page, newest first; True once it reaches attempts older than ``until``."""
        newest: list[Attempt] = []
        reached_end = False
        for item in items:
            at = _epoch(str(item["delivered_at"]))
            if at < until:
                reached_end = True
                break
            report.examined += 1
            guid = str(item["guid"])
            if guid not in seen:
                seen.add(guid)
                newest.append(
                    Attempt(int(item["id"]), guid, at, 200 <= int(item.get("status_code") or 0) < 300)
                )
        failed = [attempt for attempt in newest if not attempt.ok]
        report.failed_events += len(failed)
        self._recover(failed, report, url)
        return reached_end

    def _recover(self, failed: list[Attempt], report: Report, url: str) -> None:
        stored = self._stored({attempt.guid for attempt in failed})
        report.already_stored += len(stored)
        asked = self.requests.find({attempt.guid for attempt in failed} - stored)
        for attempt in failed:
            if attempt.guid in stored or not self._due(attempt, asked.get(attempt.guid)):
                continue
            if len(report.redelivered) >= self.max_redeliveries:
                report.stopped = f"redelivery budget of {self.max_redeliveries} per run spent"
                raise Stop(url)
            self._check_headroom(url, report)
            self._ask(attempt, asked.get(attempt.guid), report, url)

    def _due(self, attempt: Attempt, previous: Request | None) -> bool:
        """Never asked; asked by a process that died before sending it; or asked, and the redelivery
        failed too or never showed up (a few times at most)."""
        if previous is None:
            return True
        if not previous.sent:
            return self.clock() - previous.at > UNSENT_AFTER_SECONDS
        if previous.asks >= MAX_ASKS:
            return False
        return attempt.id > previous.attempt or self.clock() - previous.at > ASK_AGAIN_AFTER_SECONDS

    def _ask(self, attempt: Attempt, previous: Request | None, report: Report, url: str) -> None:
        if report.redelivered and self.sleep(self.pause):
            report.stopped = "the guard is stopping"
            raise Stop(url)
        taken = self.requests.take(attempt.guid, attempt.id, previous)
        if taken is None:
            return  # another instance is asking for it right now
        try:
            self.app.post(f"/app/hook/deliveries/{attempt.id}/attempts")
        except GitHubError as exc:
            self.requests.give_back(attempt.guid, taken, previous)
            if isinstance(exc, RateLimited | GitHubUnavailable):
                report.stopped = str(exc)
                raise Stop(url) from exc
            log.warning("GitHub refused a redelivery", guid=attempt.guid, error=str(exc))
            return
        self.requests.mark_sent(attempt.guid, taken)
        report.redelivered.append(attempt.guid)

    def _check_headroom(self, url: str, report: Report) -> None:
        known = self.app.rate_limit()
        if known is not None and known.remaining < known.limit * HEADROOM_RESERVE:
            report.stopped = f"rate-limit headroom below {HEADROOM_RESERVE:.0%} ({known.remaining} left)"
            raise Stop(url)

    def _stored(self, guids: set[str]) -> set[str]:
        if not guids:
            return set()
        query = sa.select(deliveries.c.delivery_id).where(deliveries.c.delivery_id.in_(sorted(guids)))
        with self.services.db.read() as conn:
            return {str(row[0]) for row in conn.execute(query)}


def recover(services: Services, sleep: Callable[[float], object] = time.sleep) -> Report | None:
    """One recovery run with the App's credentials; None when the guard has none."""
    if services.github is None:
        return None
    try:
        return Recovery(services, services.github.app(), sleep=sleep).run()
    except GitHubError as exc:
        log.warning("delivery recovery stopped; the next run starts from the same point", error=str(exc))
        return None
