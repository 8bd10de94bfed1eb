"""The Flask application factory; ``app.py`` calls it for gunicorn."""

from __future__ import annotations

import structlog
from flask import Flask

from guard import (
    alert_pages,
    alerts_api,
    alerts_atom,
    health,
    metrics_export,
    pages,
    receiver,
    registration,
    setup_pages,
    signin_pages,
)
from guard.access import EXTENSION as ACCESS
from guard.access import Access
from guard.logs import configure_logging
from guard.metrics_export import InboxCollector, export_registry
from guard.migrate import upgrade
from guard.receiver import SERVER_LOGS_REQUESTS
from guard.reload import CredentialsWatch
from guard.services import Services, build_services
from guard.settings import Settings, env_file_path, load_settings, read_environment
from guard.webhook import MAX_BODY_BYTES

log = structlog.get_logger("guard.web")


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    access: Access | None = None,
    *,
    server_logs_requests: bool = False,
) -> Flask:
    """Build the web application over migrated storage: receiver, health, home and setup pages, metrics.

    ``access`` holds the checks of the admin pages and the metrics (by default: signed in, API token).
    ``server_logs_requests``: the server writes an access line for every request (gunicorn.conf.py), so
    the receiver adds the delivery's answer to that line instead of writing one of its own.
    """
    if services is None:
        settings = settings or load_settings(read_environment(env_file_path()))
        configure_logging(settings.log_format)
        services = build_services(settings)
        upgrade(services.db)
        announce(services.settings)
        announce_setup(services, services.settings.public_url or "the guard's home page")
    app = Flask("guard")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config[SERVER_LOGS_REQUESTS] = server_logs_requests
    app.extensions["guard"] = services
    app.extensions[ACCESS] = access or Access()
    app.extensions[metrics_export.EXTENSION] = export_registry(InboxCollector(lambda: services.db))
    blueprints = (receiver, health, pages, setup_pages, signin_pages, alert_pages, alerts_api, alerts_atom)
    for blueprint in (module.blueprint for module in blueprints):
        app.register_blueprint(blueprint)
    if services.settings.metrics_port is None:
        app.register_blueprint(metrics_export.blueprint)
    watch = CredentialsWatch(services)

    @app.before_request
    def start_request() -> None:
        """Drop the log fields a thread's last request bound; pick up new App credentials."""
        structlog.contextvars.clear_contextvars()
        watch.check()

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


def announce_setup(services: Services, where: str) -> None:
    """Without App credentials, print the one-time code that the registration page asks for."""
    if services.registered:
        return
    log.warning(
        f"no GitHub App yet: open {where} to register one on {services.settings.github_url}",
        registration_setup_code=registration.setup_code(services.db),
    )


def _safe_url(url: str) -> str:
    """The database URL without its password."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)
