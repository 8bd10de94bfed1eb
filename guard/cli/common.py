"""What several commands share: loading settings with readable errors, and assembling the services."""

from __future__ import annotations

import sys

from guard.logs import configure_logging
from guard.migrate import upgrade
from guard.services import Services, build_services
from guard.settings import Settings, SettingsError, env_file_path, load_settings, read_environment


def configured_settings() -> Settings:
    """The validated settings, with logging (to stderr) configured from them; exit 2 when invalid."""
    try:
        settings = load_settings(read_environment(env_file_path()))
    except SettingsError as exc:
        print(f"guard: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_format)
    return settings


def started_services(settings: Settings) -> Services:
    """Services built and the schema migrated: ready to serve or work."""
    services = build_services(settings)
    upgrade(services.db)
    return services
