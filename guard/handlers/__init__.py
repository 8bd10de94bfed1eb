"""The handler table: every policy's router, combined in one explicit place."""

from guard.handlers import branch_protection, branch_pushes, config
from guard.routing import Router

ROUTER = Router.combine(config.router, branch_protection.router, branch_pushes.router)
