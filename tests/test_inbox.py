"""The inbox on SQLite and PostgreSQL: dedupe, leases after a crash, backoff, dead deliveries, ordering."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from guard import decision_log
from guard.db import Database, deliveries
from guard.inbox import DEAD, QUEUED, Claimed, Inbox, IncomingDelivery, LeaseLost, PutResult


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def inbox(database_url: str, clock: Clock) -> Inbox:
    return Inbox(Database(database_url), lease_seconds=60, max_attempts=3, clock=clock, rng=lambda: 0.5)


def delivery(delivery_id: str, repository: str | None = "acme/widgets") -> IncomingDelivery:
    return IncomingDelivery(delivery_id=delivery_id, event="push", payload="{}", repository=repository)


def row(inbox: Inbox, delivery_id: str) -> dict[str, object]:
    with inbox.db.read() as conn:
        found = (
            conn.execute(sa.select(deliveries).where(deliveries.c.delivery_id == delivery_id))
            .mappings()
            .one()
        )
    return dict(found)


def test_the_same_delivery_id_is_stored_once(inbox: Inbox) -> None:
    assert inbox.put(delivery("a")) is PutResult.STORED
    assert inbox.put(delivery("a")) is PutResult.DUPLICATE
    claimed = inbox.claim("w1")
    assert claimed is not None
    inbox.finish(claimed)
    assert inbox.put(delivery("a")) is PutResult.DUPLICATE
    assert inbox.claim("w1") is None


def record(policy: str, n: int) -> dict[str, object]:
    return {
        "policy": policy,
        "summary": f"decision {n} of {policy}",
        "findings": [{"rule": "r", "detail": 'ü "quoted"', "n": n}],
        "actions": [],
        "facts": {"nested": {"list": [1, 2.5, None, True]}},
    }


def test_a_finished_delivery_keeps_its_decisions_in_the_order_they_were_made(inbox: Inbox) -> None:
    inbox.put(delivery("a"))
    claimed = inbox.claim("w1")
    assert claimed is not None
    records = [
        record(policy, n) for n, policy in enumerate(["fork-secrets", "branch-protection", "review"] * 3)
    ]
    inbox.finish(claimed, records)
    kept = decision_log.for_delivery(inbox.db, "a")
    assert [(d["policy"], d["summary"], d["findings"]) for d in kept] == [
        (r["policy"], r["summary"], r["findings"]) for r in records
    ]
    assert row(inbox, "a")["state"] == "done"


def taken_over(inbox: Inbox, clock: Clock) -> tuple[Claimed, Claimed]:
    """Delivery "a" claimed by a worker that then died, and claimed again once its lease expired."""
    inbox.put(delivery("a"))
    crashed = inbox.claim("worker-killed")
    assert crashed is not None
    assert inbox.claim("worker-2") is None
    clock.now += 61
    again = inbox.claim("worker-2")
    assert again is not None
    return crashed, again


def test_a_finish_after_the_lease_was_lost_stores_none_of_its_decisions(inbox: Inbox, clock: Clock) -> None:
    crashed, again = taken_over(inbox, clock)
    with pytest.raises(LeaseLost):
        inbox.finish(crashed, [record("late", 1)])
    inbox.finish(again, [record("on-time", 1)])
    assert [d["policy"] for d in decision_log.for_delivery(inbox.db, "a")] == ["on-time"]


def test_a_crashed_workers_lease_expires_and_another_worker_processes_it(inbox: Inbox, clock: Clock) -> None:
    crashed, again = taken_over(inbox, clock)
    assert (again.delivery_id, again.attempts) == ("a", 2)
    inbox.finish(again)
    with pytest.raises(LeaseLost):
        inbox.finish(crashed)
    assert row(inbox, "a")["state"] == "done"


def test_a_renewed_lease_is_not_taken_over(inbox: Inbox, clock: Clock) -> None:
    inbox.put(delivery("a"))
    claimed = inbox.claim("w1")
    assert claimed is not None
    clock.now += 50
    assert inbox.renew(claimed)
    clock.now += 50
    assert inbox.claim("w2") is None


def test_transient_failures_back_off_exponentially_with_jitter(inbox: Inbox, clock: Clock) -> None:
    inbox.put(delivery("a"))
    delays = []
    for _ in range(2):
        claimed = inbox.claim("w1")
        assert claimed is not None
        assert inbox.retry(claimed, "GitHubUnavailable: 502") == QUEUED
        available = row(inbox, "a")["available_at"]
        assert isinstance(available, float)
        delays.append(available - clock.now)
        assert inbox.claim("w1") is None
        clock.now = available
    assert delays == [1.5, 3.0]
    assert row(inbox, "a")["last_error"] == "GitHubUnavailable: 502"


def test_a_rate_limited_delivery_waits_for_the_reset(inbox: Inbox, clock: Clock) -> None:
    inbox.put(delivery("a"))
    claimed = inbox.claim("w1")
    assert claimed is not None
    inbox.retry(claimed, "RateLimited", not_before=clock.now + 600)
    clock.now += 599
    assert inbox.claim("w1") is None
    clock.now += 2
    assert inbox.claim("w1") is not None


def test_after_the_last_attempt_a_delivery_is_dead_and_stays_visible(inbox: Inbox, clock: Clock) -> None:
    inbox.put(delivery("a"))
    for _ in range(3):
        clock.now += 10_000
        claimed = inbox.claim("w1")
        assert claimed is not None
        state = inbox.retry(claimed, "boom")
    assert state == DEAD
    clock.now += 10_000
    assert inbox.claim("w1") is None
    found = row(inbox, "a")
    assert (found["state"], found["attempts"]) == ("dead", 3)
    assert "gave up after 3 attempts: boom" in str(found["last_error"])


def test_a_delivery_whose_worker_dies_on_every_attempt_ends_dead(inbox: Inbox, clock: Clock) -> None:
    inbox.put(delivery("a"))
    for _ in range(3):
        assert inbox.claim("doomed") is not None
        clock.now += 61
    assert inbox.claim("w2") is None
    assert row(inbox, "a")["state"] == "dead"


def test_one_repository_is_worked_one_delivery_at_a_time_oldest_first(inbox: Inbox) -> None:
    for name, repo in [("a1", "acme/a"), ("a2", "acme/a"), ("b1", "acme/b"), ("n1", None)]:
        inbox.put(delivery(name, repo))
    first, second, third = inbox.claim("w1"), inbox.claim("w2"), inbox.claim("w3")
    assert [c.delivery_id for c in (first, second, third) if c] == ["a1", "b1", "n1"]
    assert inbox.claim("w4") is None
    assert first is not None
    inbox.finish(first)
    after = inbox.claim("w4")
    assert after is not None
    assert after.delivery_id == "a2"


def test_a_finished_delivery_can_be_requeued_by_an_operator(inbox: Inbox) -> None:
    inbox.put(delivery("a"))
    claimed = inbox.claim("w1")
    assert claimed is not None
    inbox.bury(claimed, "malformed")
    assert inbox.requeue("a")
    assert not inbox.requeue("unknown")
    again = inbox.claim("w1")
    assert again is not None
    assert again.attempts == 1


def sweep(delivery_id: str, repository: str) -> IncomingDelivery:
    return IncomingDelivery(
        delivery_id=delivery_id, event="guard_sweep", payload="{}", repository=repository, source="sweep"
    )


def test_webhooks_are_taken_before_sweeps_and_sweeps_run_at_most_the_configured_number_at_once(
    database_url: str, clock: Clock
) -> None:
    inbox = Inbox(Database(database_url), sweep_concurrency=2, clock=clock)
    for n in range(4):
        inbox.put(sweep(f"s{n}", f"acme/swept-{n}"))
    inbox.put(delivery("w", "acme/webhooked"))
    first = inbox.claim("worker-1")
    assert first is not None
    assert first.delivery_id == "w"
    taken = [inbox.claim(f"worker-{n}") for n in range(2, 6)]
    assert [t.delivery_id if t else None for t in taken] == ["s0", "s1", None, None]
    assert taken[0] is not None
    inbox.finish(taken[0])
    again = inbox.claim("worker-6")
    assert again is not None
    assert again.delivery_id == "s2"


def test_waiting_out_a_rate_limit_does_not_use_up_an_attempt(inbox: Inbox, clock: Clock) -> None:
    inbox.put(delivery("a"))
    for _ in range(5):  # more deferrals than max_attempts (3)
        claimed = inbox.claim("w1")
        assert claimed is not None
        assert inbox.retry(claimed, "rate limited", not_before=clock.now + 60, counted=False) == QUEUED
        assert row(inbox, "a")["available_at"] >= clock.now + 60  # type: ignore[operator]
        clock.now += 61
    assert (row(inbox, "a")["state"], row(inbox, "a")["attempts"]) == ("queued", 0)


def test_workers_claiming_at_the_same_moment_never_run_more_sweeps_than_allowed(database_url: str) -> None:
    inboxes = [Inbox(Database(database_url), sweep_concurrency=2) for _ in range(8)]
    for n in range(8):
        inboxes[0].put(sweep(f"s{n}", f"acme/swept-{n}"))
    barrier = threading.Barrier(len(inboxes))
    claimed: list[object] = []

    def claim(inbox: Inbox, name: str) -> None:
        barrier.wait()
        claimed.append(inbox.claim(name))

    threads = [threading.Thread(target=claim, args=(ib, f"w{n}")) for n, ib in enumerate(inboxes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for c in claimed if c is not None) == 2
    for inbox in inboxes:
        inbox.db.dispose()
