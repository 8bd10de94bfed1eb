"""The engine: a stored delivery in; typed event, policy decisions and executed actions out.

Each policy's handler runs in isolation: one failing policy never stops the others, and its failure
makes the delivery retry (actions already done are skipped by their idempotency keys).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import structlog

from guard.actions.executor import Executor
from guard.actions.registry import ActionContext
from guard.alerts import AlertStore
from guard.app_identity import AppInfo, AppInfoCache
from guard.config_store import ConfigStore
from guard.decision_log import Evaluated
from guard.errors import TRANSIENT_ERRORS
from guard.events import parse_event
from guard.github import Client, GitHub, RateLimited
from guard.inbox import Claimed
from guard.notifications import NOTIFY_EVENT, Outbox, configured_endpoints
from guard.notify_sender import Notifier
from guard.redact import redact
from guard.routing import SWEEP_EVENT, Route
from guard.services import Services
from guard.settings import Settings
from guard.state import StateStore
from guard.storable import load_payload
from policies.base import Decision
from policies.config import EffectiveConfig

log = structlog.get_logger("guard.engine")
SWEEP_RESERVE = 0.2  # sweeps never spend the last fifth of an installation's hourly budget


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
    github: Client
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
    """Evaluates deliveries with the routed handlers and executes their decisions.

    By default the engine uses the services' GitHub client as it is at each delivery, so credentials
    registered while the guard runs take effect at once; pass ``github`` (or None) to pin one.
    """

    def __init__(
        self,
        services: Services,
        github: GitHub | Literal["services"] | None = "services",
        *,
        dry_run: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.services = services
        self._github = github
        self.dry_run = dry_run
        self.clock = clock
        self.state = StateStore(services.db, clock)
        outbox = None if dry_run else Outbox.from_settings(services.inbox, services.settings)
        self.alerts = AlertStore(services.db, clock, outbox)
        self.notifier = Notifier(
            configured_endpoints(services.settings), self.alerts, services.settings.public_url, clock
        )
        self.executor = Executor(services.db, dry_run=dry_run, clock=clock)
        self.configs = ConfigStore(self.state, None if dry_run else self.alerts)
        self.app = AppInfoCache(lambda: self.github)

    @property
    def github(self) -> GitHub | None:
        return self.services.github if isinstance(self._github, str) else self._github

    def process(self, delivery: Claimed) -> list[Evaluated]:
        """Evaluate one delivery and carry out its actions; raises PolicyFailed or a transient error."""
        if delivery.event == NOTIFY_EVENT:
            if self.dry_run:
                return [Evaluated(Decision("system", "dry run: the notification was not sent"), ())]
            return self.notifier.deliver(delivery)
        payload: dict[str, Any] = load_payload(delivery.payload)
        event = parse_event(delivery.event, payload)
        routes = self.services.router.routes_for(delivery.event, event.action)
        github = (
            self.github.installation(delivery.installation_id)
            if self.github and delivery.installation_id
            else None
        )
        if github is None:
            return [Evaluated(_not_evaluated(route.policy, self.github is None), ()) for route in routes]
        if delivery.event == SWEEP_EVENT:
            github = github.reserving(SWEEP_RESERVE)
            _keep_headroom(github)
        ctx = self._context(delivery.delivery_id, github)
        organisation = _organisation(payload)
        evaluated: list[Evaluated] = []
        failures: list[tuple[str, str]] = []
        for route in routes:
            try:
                decisions = list(route.handler(event, ctx))
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                log.exception("policy failed", policy=route.policy)
                failures.append((route.policy, redact(f"{type(exc).__name__}: {exc}")))
                continue
            evaluated += self._execute(delivery, route, decisions, ctx, organisation)
        if failures:
            raise PolicyFailed(failures)
        return evaluated

    def _execute(
        self, delivery: Claimed, route: Route, decisions: list[Any], ctx: Context, organisation: str | None
    ) -> list[Evaluated]:
        action_ctx = ActionContext(
            ctx.delivery_id, ctx.github, self.alerts, self.state, organisation, delivery.received_at
        )
        return [Evaluated(d, tuple(self.executor.run(delivery.pk, d, action_ctx))) for d in decisions]

    def _context(self, delivery_id: str, github: Client) -> Context:
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


def _not_evaluated(policy: str, no_credentials: bool) -> Decision:
    reason = "the guard has no App credentials" if no_credentials else "the delivery names no installation"
    return Decision(policy, f"not evaluated: {reason}, so GitHub cannot be read")


def _keep_headroom(github: Client) -> None:
    """Sweeps wait for the reset rather than spend the last of an installation's rate limit."""
    known = github.rate_limit()
    if known is not None and known.remaining < known.limit * SWEEP_RESERVE:
        raise RateLimited(
            None,
            "sweep deferred to keep rate-limit headroom for webhooks",
            None,
            retry_at=float(known.reset),
            kind="primary",
        )


def _organisation(payload: dict[str, Any]) -> str | None:
    for key in ("organization", "repository"):
        block = payload.get(key)
        if isinstance(block, dict):
            login = block.get("login") or (block.get("owner") or {}).get("login")
            if isinstance(login, str):
                return login
    return None
