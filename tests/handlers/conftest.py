"""Fixtures the handler scenario tests share."""

from tests.handlers.fork_world import world

__all__ = ["world"]
