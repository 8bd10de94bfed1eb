"""The engine: a stored delivery in; typed event, policy decisions and executed actions out.

Each policy's handler runs in isolation: one failing policy never stops the others, and its failure
makes the delivery retry (actions already done are skipped by their idempotency keys).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

from guard.actions.executor import Executor
from guard.actions.registry import ActionContext
from guard.alerts import AlertStore
from guard.app_identity import AppInfo, AppInfoCache
from guard.config_store import ConfigStore
from guard.decision_log import Evaluated
from guard.errors import TRANSIENT_ERRORS
from guard.events import parse_event
from guard.github import Client, GitHub
from guard.inbox import Claimed
from guard.redact import redact
from guard.routing import Route
from guard.services import Services
from guard.settings import Settings
from guard.state import StateStore
from policies.config import EffectiveConfig

log = structlog.get_logger("guard.engine")


class PolicyFailed(RuntimeError):
    """One or more policies raised while deciding; the others' actions were still carried out."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{policy}: {error}" for policy, error in failures))
        self.failures = failures


@dataclass(frozen=True)
class Context:
    """What a handler may use to gather facts for its policy; ``app()`` is the guard's own App (or None)."""

    delivery_id: str
    settings: Settings
    github: Client | None
    state: StateStore
    alerts: AlertStore
    configs: ConfigStore
    clock: Callable[[], float]
    dry_run: bool = False
    app: Callable[[], AppInfo | None] = lambda: None

    def config(self, repository: str) -> EffectiveConfig:
        """The configuration in force for ``owner/name``, from default-branch files only."""
        return self.configs.effective(self.github, repository)


class Engine:
    """Evaluates deliveries with the routed handlers and executes their decisions."""

    def __init__(
        self,
        services: Services,
        github: GitHub | None,
        *,
        dry_run: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.services = services
        self.github = github
        self.dry_run = dry_run
        self.clock = clock
        self.state = StateStore(services.db, clock)
        self.alerts = AlertStore(services.db, clock)
        self.executor = Executor(services.db, dry_run=dry_run, clock=clock)
        self.configs = ConfigStore(self.state, None if dry_run else self.alerts)
        self.app = AppInfoCache(github)

    def process(self, delivery: Claimed) -> list[Evaluated]:
        """Evaluate one delivery and carry out its actions; raises PolicyFailed or a transient error."""
        payload: dict[str, Any] = json.loads(delivery.payload)
        event = parse_event(delivery.event, payload)
        ctx = self._context(delivery.delivery_id, delivery.installation_id)
        organisation = _organisation(payload)
        evaluated: list[Evaluated] = []
        failures: list[tuple[str, str]] = []
        for route in self.services.router.routes_for(delivery.event, event.action):
            try:
                decisions = list(route.handler(event, ctx))
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                log.exception("policy failed", policy=route.policy)
                failures.append((route.policy, redact(f"{type(exc).__name__}: {exc}")))
                continue
            evaluated += self._execute(delivery.pk, route, decisions, ctx, organisation)
        if failures:
            raise PolicyFailed(failures)
        return evaluated

    def _execute(
        self, pk: int, route: Route, decisions: list[Any], ctx: Context, organisation: str | None
    ) -> list[Evaluated]:
        action_ctx = ActionContext(ctx.delivery_id, ctx.github, self.alerts, self.state, organisation)
        return [Evaluated(d, tuple(self.executor.run(pk, d, action_ctx))) for d in decisions]

    def _context(self, delivery_id: str, installation_id: int | None) -> Context:
        github = self.github.installation(installation_id) if self.github and installation_id else None
        return Context(
            delivery_id=delivery_id,
            settings=self.services.settings,
            github=github,
            state=self.state,
            alerts=self.alerts,
            configs=self.configs,
            clock=self.clock,
            dry_run=self.dry_run,
            app=self.app,
        )


def _organisation(payload: dict[str, Any]) -> str | None:
    for key in ("organization", "repository"):
        block = payload.get(key)
        if isinstance(block, dict):
            login = block.get("login") or (block.get("owner") or {}).get("login")
            if isinstance(login, str):
                return login
    return None
