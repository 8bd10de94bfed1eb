"""Which policy handlers run for which (event, action); handlers never depend on each other's order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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


_ACCESS = {"read": 1, "write": 2}
SWEEP_EVENT = "guard_sweep"
INTERNAL_PREFIX = "guard_"  # event names the guard gives itself; refused from outside


class Router:
    """An explicit table of routes and the App permissions its handlers need; routers combine into one."""

    def __init__(
        self,
        routes: Iterable[Route] = (),
        permissions: Mapping[str, str] | None = None,
        sweeps: Mapping[str, float] | None = None,
    ) -> None:
        self.routes: list[Route] = list(routes)
        self.permissions: dict[str, str] = dict(permissions or {})
        self.sweeps: dict[str, float] = dict(sweeps or {})
        for access in self.permissions.values():
            if access not in _ACCESS:
                raise ValueError(f"permission access must be read or write, got {access!r}")

    def on(self, event: str, *actions: str, policy: str) -> Callable[[Handler], Handler]:
        """Register the decorated function for ``event`` (and only these ``actions``, if given)."""

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(policy, event, frozenset(actions), handler))
            return handler

        return register

    def sweep(self, name: str, *, every: float, policy: str) -> Callable[[Handler], Handler]:
        """Register the decorated function for the periodic ``guard_sweep`` of each repository."""
        self.sweeps[name] = every
        return self.on(SWEEP_EVENT, name, policy=policy)

    def handles(self, event: str) -> bool:
        return any(route.event == event for route in self.routes)

    def events(self) -> frozenset[str]:
        """The GitHub events routed; the guard's own internal events are not GitHub's to send."""
        return frozenset(route.event for route in self.routes if not route.event.startswith(INTERNAL_PREFIX))

    def routes_for(self, event: str, action: str | None) -> list[Route]:
        return [route for route in self.routes if route.matches(event, action)]

    @classmethod
    def combine(cls, *routers: Router) -> Router:
        """One router with every route, and for each permission the highest access any router needs."""
        permissions: dict[str, str] = {}
        for router in routers:
            for name, access in router.permissions.items():
                if _ACCESS[access] > _ACCESS.get(permissions.get(name, ""), 0):
                    permissions[name] = access
        sweeps = {name: every for router in routers for name, every in router.sweeps.items()}
        return cls((route for router in routers for route in router.routes), permissions, sweeps)
