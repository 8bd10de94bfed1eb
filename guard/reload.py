"""Picking up App credentials registered while the guard runs, in every process that reads the same .env.

The process that completes a registration loads the credentials at once; the others (gunicorn workers,
``guard worker`` processes) notice the ``.env`` file change on their next request or within seconds.
Only the step from no credentials to credentials is automatic: changing credentials that are in use is
a restart (see docs/deploying.md on rotation).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from guard.services import Services
from guard.settings import SettingsError, load_settings, read_environment

log = structlog.get_logger("guard.reload")


class CredentialsWatch:
    """While the guard has no App credentials, load them as soon as its .env file gains them."""

    def __init__(
        self, services: Services, interval: float = 2.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.services = services
        self.interval = interval
        self.clock = clock
        self._checked_at = float("-inf")
        self._seen: int | None = None

    def check(self) -> bool:
        """True when credentials were just loaded; cheap when there is nothing to do."""
        if self.services.registered:
            return False
        now = self.clock()
        if now - self._checked_at < self.interval:
            return False
        self._checked_at = now
        path = self.services.settings.env_file
        try:
            changed = path.stat().st_mtime_ns
        except OSError:
            return False
        if changed == self._seen:
            return False
        self._seen = changed
        return self._load()

    def _load(self) -> bool:
        try:
            settings = load_settings(read_environment(self.services.settings.env_file))
        except SettingsError as exc:
            log.warning("the .env file changed but its settings do not load", problems=exc.problems)
            return False
        if not settings.github_writes_enabled:
            return False
        self.services.reconfigure(settings)
        log.info("App credentials loaded from the .env file; GitHub writes are on", app_id=settings.app_id)
        return True
