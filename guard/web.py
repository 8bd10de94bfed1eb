"""The Flask application factory; ``app.py`` calls it for gunicorn."""

from __future__ import annotations

import structlog
from flask import Flask

from guard import health, receiver
from guard.logs import configure_logging
from guard.migrate import upgrade
from guard.services import Services, build_services
from guard.settings import Settings, load_settings, read_environment
from guard.webhook import MAX_BODY_BYTES

log = structlog.get_logger("guard.web")


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the web application: receiver and health endpoints over migrated storage."""
    if services is None:
        settings = settings or load_settings(read_environment())
        configure_logging(settings.log_format)
        services = build_services(settings)
        upgrade(services.db)
        announce(services.settings)
    app = Flask("guard")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.extensions["guard"] = services
    app.register_blueprint(receiver.blueprint)
    app.register_blueprint(health.blueprint)
    return app


def announce(settings: Settings) -> None:
    """Say in the first log lines what is configured, what is missing, and whether GitHub writes are on."""
    log.info(
        "pipeline guard starting",
        github_api=settings.github_api_url,
        database=_safe_url(settings.database_url),
    )
    missing = settings.missing_for_github()
    if missing:
        log.warning(
            "GitHub access is OFF: no App credentials; deliveries are verified and stored, but policies "
            "cannot read GitHub and nothing is written to it",
            missing=missing,
        )
    if settings.allowed_orgs:
        log.info("serving only these organisations", allowed_orgs=sorted(settings.allowed_orgs))


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)
