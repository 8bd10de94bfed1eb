"""Deliveries arriving together are committed together, each answered for itself, and none is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import sqlalchemy as sa

from guard.db import Database, DatabaseUnavailable, deliveries
from guard.group_write import GroupWrite
from guard.inbox import Inbox, IncomingDelivery, PutResult
from tests.support.waiting import wait_for


def test_deliveries_put_on_many_threads_at_once_are_each_stored_once(database_url: str) -> None:
    inbox = Inbox(Database(database_url))
    answers: dict[str, list[PutResult]] = {}
    lock = threading.Lock()

    def put(thread: int) -> None:
        for n in range(30):
            delivery_id = f"d-{(thread // 2)}-{n}"  # two threads send each id, as a redelivery would
            result = inbox.put(IncomingDelivery(delivery_id=delivery_id, event="push", payload="{}"))
            with lock:
                answers.setdefault(delivery_id, []).append(result)

    threads = [threading.Thread(target=put, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    with inbox.db.read() as conn:
        stored = conn.execute(sa.select(deliveries.c.delivery_id)).scalars().all()
    assert sorted(stored) == sorted(answers)
    assert len(answers) == 8 * 30
    assert all(sorted(got, key=str) == [PutResult.DUPLICATE, PutResult.STORED] for got in answers.values())


def held_turn(
    queued: Callable[[], int], expected: int, error: Exception | None = None
) -> Callable[[], AbstractContextManager[None]]:
    """A write turn first given only once ``expected`` writers are ``queued`` (the first of them leads)."""
    opened = threading.Event()

    @contextmanager
    def turn() -> Iterator[None]:
        if not opened.is_set():
            wait_for(lambda: queued() == expected)
            opened.set()
        if error is not None:
            raise error
        yield

    return turn


def run_together(
    items: list[str],
    write: Callable[[Sequence[str]], list[str]],
    error: Exception | None = None,
    at_most: int = 100,
) -> dict[str, object]:
    """Call a GroupWrite with every item on its own thread; each item's result or the error it raised."""
    turn = held_turn(lambda: len(writers._waiting), len(items), error)
    writers: GroupWrite[str, str] = GroupWrite(turn, write, at_most=at_most)
    outcomes: dict[str, object] = {}

    def call(item: str) -> None:
        try:
            outcomes[item] = writers(item)
        except Exception as exc:
            outcomes[item] = exc

    threads = [threading.Thread(target=call, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    return outcomes


def test_writers_that_arrive_while_the_first_waits_for_its_turn_share_one_write() -> None:
    groups: list[list[str]] = []

    def write(group: Sequence[str]) -> list[str]:
        groups.append(list(group))
        return [item.upper() for item in group]

    outcomes = run_together(["a", "b", "c", "d"], write)
    assert outcomes == {"a": "A", "b": "B", "c": "C", "d": "D"}
    assert [sorted(group) for group in groups] == [["a", "b", "c", "d"]]


def test_an_item_that_fails_is_written_again_alone_and_fails_only_its_own_caller() -> None:
    def write(group: Sequence[str]) -> list[str]:
        if "bad" in group:
            raise ValueError("this row cannot be stored")
        return [item.upper() for item in group]

    outcomes = run_together(["a", "bad", "c"], write)
    assert outcomes["a"] == "A"
    assert outcomes["c"] == "C"
    assert isinstance(outcomes["bad"], ValueError)


def test_when_the_write_turn_cannot_be_had_every_waiting_caller_gets_the_error() -> None:
    outcomes = run_together(["a", "b", "c"], list, DatabaseUnavailable("database locked"))
    assert all(isinstance(outcome, DatabaseUnavailable) for outcome in outcomes.values())
    assert set(outcomes) == {"a", "b", "c"}


def test_a_writer_alone_is_written_as_a_group_of_one() -> None:
    groups: list[list[str]] = []

    def write(group: Sequence[str]) -> list[str]:
        groups.append(list(group))
        return [f"stored {item}" for item in group]

    assert run_together(["only"], write) == {"only": "stored only"}
    assert groups == [["only"]]


def test_writers_beyond_the_group_limit_are_written_in_further_groups() -> None:
    groups: list[list[str]] = []

    def write(group: Sequence[str]) -> list[str]:
        groups.append(list(group))
        return [item.upper() for item in group]

    outcomes = run_together(["a", "b", "c", "d", "e"], write, at_most=2)
    assert outcomes == {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}
    assert sorted(len(group) for group in groups) == [1, 2, 2]


def test_a_crowd_of_deliveries_larger_than_one_statement_is_each_stored_once(database_url: str) -> None:
    inbox = Inbox(Database(database_url))
    ids = [f"d-{n}" for n in range(70)] + ["d-3", "d-30", "d-40", "d-69"]  # four sent twice
    writers = inbox._put_together
    turn = held_turn(lambda: len(writers._waiting), len(ids))

    @contextmanager
    def crowded_turn() -> Iterator[None]:
        with turn(), inbox.db.turn():
            yield

    writers._turn = crowded_turn
    answers: list[PutResult] = []
    lock = threading.Lock()

    def put(delivery_id: str) -> None:
        answer = inbox.put(IncomingDelivery(delivery_id=delivery_id, event="push", payload="{}"))
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=put, args=(delivery_id,)) for delivery_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with inbox.db.read() as conn:
        stored = conn.execute(sa.select(deliveries.c.delivery_id)).scalars().all()
    assert sorted(stored) == sorted(set(ids))
    assert sorted(answers, key=str) == [PutResult.DUPLICATE] * 4 + [PutResult.STORED] * 70
