"""Execute a decision's actions at most once per delivery, recording each outcome.

Every action carries an idempotency key derived from the delivery, the policy and the action's
target. A retried delivery skips actions already done, so a retry never acts twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite

from guard import metrics
from guard.actions import branch_protection, checks, fork_safety, internal, pulls
from guard.actions.registry import ActionContext, executor_for
from guard.db import Database, action_runs
from guard.errors import TRANSIENT_ERRORS
from guard.github.errors import GitHubError
from policies.base import Action, Decision

log = structlog.get_logger("guard.actions")
EXECUTOR_MODULES = (checks, internal, branch_protection, pulls, fork_safety)
DONE, FAILED, PLANNED = "done", "failed", "planned"


@dataclass(frozen=True)
class ActionOutcome:
    """What became of one action."""

    action: Action
    status: str
    detail: str


def idempotency_key(delivery_id: str, policy: str, action: Action) -> str:
    return hashlib.sha256(f"{delivery_id}|{policy}|{action.identity()}".encode()).hexdigest()


class Executor:
    """Runs actions through their registered executors; ``dry_run`` only plans."""

    def __init__(
        self, db: Database, *, dry_run: bool = False, clock: Callable[[], float] = time.time
    ) -> None:
        self.db = db
        self.dry_run = dry_run
        self.clock = clock

    def run(self, delivery_pk: int, decision: Decision, ctx: ActionContext) -> list[ActionOutcome]:
        return [self._run_one(delivery_pk, decision.policy, action, ctx) for action in decision.actions]

    def _run_one(self, delivery_pk: int, policy: str, action: Action, ctx: ActionContext) -> ActionOutcome:
        key = idempotency_key(ctx.delivery_id, policy, action)
        if self.dry_run:
            return ActionOutcome(action, PLANNED, "dry run: not executed")
        previous = self._previous(key)
        if previous is not None and previous[0] == DONE:
            return ActionOutcome(action, DONE, f"already done by an earlier attempt: {previous[1]}")
        outcome = self._execute(action, ctx)
        self._record(delivery_pk, policy, key, outcome)
        metrics.action_finished(policy, action.kind, outcome.status)
        return outcome

    def _execute(self, action: Action, ctx: ActionContext) -> ActionOutcome:
        try:
            result = executor_for(action)(action, ctx)
        except TRANSIENT_ERRORS:
            raise
        except GitHubError as exc:
            log.warning("action failed", action=action.describe(), status=exc.status, error=str(exc))
            return ActionOutcome(action, FAILED, f"GitHub answered {exc.status}: {exc}")
        log.info("action done", action=action.describe(), result=result)
        return ActionOutcome(action, DONE, result)

    def _previous(self, key: str) -> tuple[str, str] | None:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(action_runs.c.status, action_runs.c.result).where(
                    action_runs.c.idempotency_key == key
                )
            ).first()
        return None if row is None else (row.status, row.result or "")

    def _record(self, delivery_pk: int, policy: str, key: str, outcome: ActionOutcome) -> None:
        insert = postgresql.insert if self.db.is_postgres else sqlite.insert
        row = {
            "delivery_pk": delivery_pk,
            "policy": policy,
            "idempotency_key": key,
            "kind": outcome.action.kind,
            "description": outcome.action.describe(),
            "status": outcome.status,
            "result": outcome.detail,
            "created_at": self.clock(),
        }
        update = {"status": outcome.status, "result": outcome.detail, "created_at": row["created_at"]}
        with self.db.write() as conn:
            conn.execute(
                insert(action_runs)
                .values(**row)
                .on_conflict_do_update(index_elements=["idempotency_key"], set_=update)
            )
