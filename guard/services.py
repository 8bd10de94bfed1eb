"""The long-lived parts one process shares: settings, database, inbox and the handler table."""

from __future__ import annotations

from dataclasses import dataclass

from guard.db import Database
from guard.github import GitHub, Timeouts
from guard.inbox import Inbox
from guard.redact import register_secret
from guard.routing import Router
from guard.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    inbox: Inbox
    router: Router
    github: GitHub | None

    @property
    def registered(self) -> bool:
        """Whether the guard has an App to act as (credentials configured or just registered)."""
        return self.github is not None

    def reconfigure(self, settings: Settings) -> None:
        """Adopt new settings (App credentials just registered): secrets, and a client for the new App."""
        register_secret(*_secrets(settings))
        previous = self.github
        self.github = make_github(settings)
        self.settings = settings
        if previous is not None:
            previous.close()


def _secrets(settings: Settings) -> tuple[str | None, ...]:
    """Every secret setting, for redaction."""
    return (
        *settings.webhook_secrets,
        settings.private_key,
        settings.github_client_secret,
        settings.notify_slack_url,
        settings.notify_webhook_secret,
    )


def make_github(settings: Settings) -> GitHub | None:
    """The App's GitHub client, or None when no App credentials are configured (GitHub writes off)."""
    if settings.app_id is None or settings.private_key is None:
        return None
    return GitHub(
        app_id=settings.app_id,
        private_key=settings.private_key,
        api_url=settings.github_api_url,
        timeouts=Timeouts(read=float(settings.github_read_timeout)),
    )


def build_services(
    settings: Settings, router: Router | None = None, github: GitHub | None = None
) -> Services:
    """Connect to the database and assemble the shared parts (the schema must already be migrated)."""
    from guard.handlers import ROUTER  # noqa: PLC0415 - handlers import policies; keep start-up order explicit

    register_secret(*_secrets(settings))
    db = Database(settings.database_url)
    inbox = Inbox(
        db,
        limit=settings.inbox_limit,
        lease_seconds=settings.lease_seconds,
        max_attempts=settings.max_attempts,
        sweep_concurrency=settings.sweep_concurrency,
    )
    return Services(
        settings=settings, db=db, inbox=inbox, router=router or ROUTER, github=github or make_github(settings)
    )
