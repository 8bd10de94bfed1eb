"""Writes from many threads of one process committed together: one write turn and one commit for a group.

Each receiver thread used to take the database's write turn for its own delivery, so under load most
threads waited in line and every delivery paid for a turn and a commit. Here the first thread to arrive
leads: it waits for the turn, then writes every item queued by the time it has the turn (its own and
those of threads that arrived while it waited) in one transaction, and each thread returns its own
item's result only once that transaction has committed. Nothing is acknowledged before it is stored.

A group holds at most ``at_most`` items; those that queued beyond it form the next group.

If a group of several fails part-way, each of its items is written again alone, so one bad item cannot
fail its neighbours; a failure to get the turn at all is every waiting item's failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Ticket(Generic[T, R]):
    item: T
    done: bool = False
    result: R | None = None
    error: BaseException | None = field(default=None, repr=False)

    def settle(self, result: R | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.done = result, error, True


class GroupWrite(Generic[T, R]):
    """Call with an item from any thread; returns that item's result once its group has committed.

    ``turn`` waits for and holds the write turn; ``write`` stores a group in one transaction inside it
    and returns one result per item, in order.
    """

    def __init__(
        self,
        turn: Callable[[], AbstractContextManager[None]],
        write: Callable[[Sequence[T]], list[R]],
        *,
        at_most: int,
    ) -> None:
        self._turn = turn
        self._write = write
        self._at_most = at_most
        self._changed = threading.Condition()
        self._waiting: list[_Ticket[T, R]] = []
        self._leading = False

    def __call__(self, item: T) -> R:
        ticket: _Ticket[T, R] = _Ticket(item)
        with self._changed:
            self._waiting.append(ticket)
            while not ticket.done and self._leading:
                self._changed.wait()
            lead = not ticket.done
            self._leading = self._leading or lead
        if lead:
            try:
                while not ticket.done:  # beyond ``at_most`` in the queue: lead the groups before it too
                    self._lead()
            finally:
                with self._changed:
                    self._leading = False
                    self._changed.notify_all()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[return-value]  # settled with a result

    def _lead(self) -> None:
        group: list[_Ticket[T, R]] = []
        try:
            with self._turn():
                group = self._take()
                self._write_group(group)
        except BaseException as exc:  # the turn or the group failed: every unsettled item failed with it
            for ticket in group or self._take():
                if not ticket.done:
                    ticket.settle(error=exc)

    def _take(self) -> list[_Ticket[T, R]]:
        with self._changed:
            group, self._waiting = self._waiting[: self._at_most], self._waiting[self._at_most :]
        return group

    def _write_group(self, group: list[_Ticket[T, R]]) -> None:
        try:
            results = self._write([ticket.item for ticket in group])
        except Exception:
            if len(group) == 1:
                raise
            for ticket in group:
                self._write_alone(ticket)
            return
        for ticket, result in zip(group, results, strict=True):
            ticket.settle(result)

    def _write_alone(self, ticket: _Ticket[T, R]) -> None:
        try:
            ticket.settle(self._write([ticket.item])[0])
        except Exception as exc:  # this item's failure is its caller's to handle
            ticket.settle(error=exc)
