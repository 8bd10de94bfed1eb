"""The table from action type to the function that performs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from guard.alerts import AlertStore
from guard.github import Client
from guard.state import StateStore
from policies.base import Action

A = TypeVar("A", bound=Action)


@dataclass(frozen=True)
class ActionContext:
    """What an executor may use: the installation's GitHub client, the alert store and policy state;
    ``received_at`` is when the delivery arrived (epoch seconds), for executors that measure latency."""

    delivery_id: str
    github: Client
    alerts: AlertStore
    state: StateStore
    organisation: str | None = None
    received_at: float | None = None


Run = Callable[[Any, ActionContext], str]
_EXECUTORS: dict[type[Action], Run] = {}


def executes(
    kind: type[A],
) -> Callable[[Callable[[A, ActionContext], str]], Callable[[A, ActionContext], str]]:
    """Register the decorated function as the executor of ``kind``; it returns a one-line result."""

    def register(run: Callable[[A, ActionContext], str]) -> Callable[[A, ActionContext], str]:
        _EXECUTORS[kind] = run
        return run

    return register


def executor_for(action: Action) -> Run:
    try:
        return _EXECUTORS[type(action)]
    except KeyError:
        raise LookupError(f"no executor is registered for {type(action).__name__}") from None
