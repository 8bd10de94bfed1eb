"""The long-lived parts one process shares: settings, database, inbox and the handler table."""

from __future__ import annotations

from dataclasses import dataclass

from guard.db import Database
from guard.inbox import Inbox
from guard.routing import Router
from guard.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    inbox: Inbox
    router: Router


def build_services(settings: Settings, router: Router | None = None) -> Services:
    """Connect to the database and assemble the shared parts (the schema must already be migrated)."""
    from guard.handlers import ROUTER  # noqa: PLC0415 - handlers import policies; keep start-up order explicit

    db = Database(settings.database_url)
    inbox = Inbox(
        db,
        limit=settings.inbox_limit,
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
    )
    return Services(settings=settings, db=db, inbox=inbox, router=router or ROUTER)
