"""The handler table: every policy's router, combined in one explicit place."""

from guard.handlers import (
    branch_protection,
    branch_pushes,
    config,
    fork_allowances,
    fork_deployments,
    fork_runs,
    fork_settings,
    pipeline_review,
)
from guard.routing import Router

# Configuration first: a push that changes guard.yml is adopted before other policies read it.
ROUTER = Router.combine(
    config.router,
    branch_pushes.router,
    branch_protection.router,
    pipeline_review.router,
    fork_runs.router,
    fork_deployments.router,
    fork_allowances.router,
    fork_settings.router,
)
