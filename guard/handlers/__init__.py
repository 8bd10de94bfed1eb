"""The handler table: every policy's router, combined in one explicit place."""

from guard.handlers import config
from guard.routing import Router

ROUTER = Router.combine(config.router)
