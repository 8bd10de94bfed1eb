"""Which policy handlers run for which (event, action); handlers never depend on each other's order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from policies.base import Decision

if TYPE_CHECKING:
    from guard.engine import Context

Handler = Callable[..., Iterable[Decision]]


@dataclass(frozen=True)
class Route:
    """A handler of one policy for one event name, restricted to some actions (none: every action)."""

    policy: str
    event: str
    actions: frozenset[str]
    handler: Callable[[object, Context], Iterable[Decision]]

    def matches(self, event: str, action: str | None) -> bool:
        return self.event == event and (not self.actions or action in self.actions)


class Router:
    """An explicit table of routes; several routers combine into the engine's one."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self.routes: list[Route] = list(routes)

    def on(self, event: str, *actions: str, policy: str) -> Callable[[Handler], Handler]:
        """Register the decorated function for ``event`` (and only these ``actions``, if given)."""

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(policy, event, frozenset(actions), handler))
            return handler

        return register

    def handles(self, event: str) -> bool:
        return any(route.event == event for route in self.routes)

    def events(self) -> frozenset[str]:
        return frozenset(route.event for route in self.routes)

    def routes_for(self, event: str, action: str | None) -> list[Route]:
        return [route for route in self.routes if route.matches(event, action)]

    @classmethod
    def combine(cls, *routers: Router) -> Router:
        return cls(route for router in routers for route in router.routes)
