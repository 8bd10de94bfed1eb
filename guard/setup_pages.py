"""The registration pages, served only while the guard has no App credentials (then every route is 404).

``GET /`` shows the form (``registration_page``); ``POST /setup/manifest`` checks the setup code and hands
the browser a form that posts the manifest to GitHub; GitHub redirects to ``GET /setup/callback``, which
converts the code, writes ``.env``, and loads the credentials into this process.
"""

from __future__ import annotations

import hmac
import json
import os
import urllib.parse
from typing import Any

import structlog
from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.wrappers import Response

from guard import registration
from guard.envfile import EnvFileError
from guard.manifest import SETUP_CALLBACK_PATH, WEBHOOK_PATH, ManifestError, build_manifest, needs
from guard.registration import Registered, RegistrationError
from guard.services import Services
from guard.settings import SettingsError, load_settings, read_environment

log = structlog.get_logger("guard.setup")
blueprint = Blueprint("setup", __name__)
COOKIE = "guard_registration"


def _services() -> Services:
    services: Services = current_app.extensions["guard"]
    if services.registered:
        abort(404)
    return services


def registration_page(errors: list[str] | None = None, status: int = 200) -> tuple[str, int]:
    """The form that starts a registration, with the permissions and events the App will ask for."""
    services = _services()
    settings = services.settings
    permissions, events = needs(services.router)
    form = {"owner": "organisation", "organisation": "", "name": "Pipeline Guard"}
    form |= {"public_url": settings.public_url or ""} | _submitted()
    page = render_template(
        "setup/register.html",
        title="Register Pipeline Guard on GitHub",
        github_url=settings.github_url,
        env_file=settings.env_file,
        errors=errors or [],
        form=form,
        permissions=permissions,
        events=events,
        webhook_path=WEBHOOK_PATH,
    )
    return page, status


def _submitted() -> dict[str, str]:
    keys = ("owner", "organisation", "name", "public_url")
    return {key: request.form[key] for key in keys if key in request.form}


@blueprint.post("/setup/manifest")
def manifest() -> Any:
    services = _services()
    if not registration.code_matches(services.db, request.form.get("setup_code", "")):
        log.warning("registration refused: wrong setup code", remote=request.remote_addr)
        return registration_page(["The setup code is not the one in the guard's log."], 403)
    organisation = request.form.get("organisation", "").strip()
    personal = request.form.get("owner") == "personal"
    errors = (
        [] if personal or registration.valid_organisation(organisation) else ["Enter the organisation login."]
    )
    try:
        built = build_manifest(
            services.router,
            public_url=request.form.get("public_url", ""),
            redirect_url=request.url_root.rstrip("/") + SETUP_CALLBACK_PATH,
            name=request.form.get("name", ""),
        )
    except ManifestError as exc:
        errors.append(str(exc))
    if errors:
        return registration_page(errors, 400)
    return _to_github(services, built, None if personal else organisation)


def _to_github(services: Services, built: dict[str, Any], organisation: str | None) -> Response:
    token = registration.begin(services.db)
    where = f"/organizations/{organisation}" if organisation else ""
    target = (
        f"{services.settings.github_url}{where}/settings/apps/new?{urllib.parse.urlencode({'state': token})}"
    )
    page = render_template(
        "setup/github.html",
        title="Create the App on GitHub",
        manifest=built,
        owner=organisation or "your personal account",
        target=target,
        manifest_json=json.dumps(built),
        manifest_pretty=json.dumps(built, indent=2),
    )
    response = Response(page, mimetype="text/html")
    response.set_cookie(
        COOKIE,
        token,
        max_age=registration.LIFETIME_SECONDS,
        path="/setup",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )
    return response


@blueprint.get(SETUP_CALLBACK_PATH)
def callback() -> Any:
    services = _services()
    token = request.args.get("state", "")
    cookie = request.cookies.get(COOKIE, "")
    if not (token and hmac.compare_digest(token.encode(), cookie.encode())):
        return _failed(
            "This link does not belong to a registration started in this browser. Start again.", 400
        )
    if not registration.take(services.db, token):
        return _failed(
            "This registration link was already used or is more than an hour old. Start again.", 400
        )
    try:
        registered = registration.convert(services.settings.github_api_url, request.args.get("code", ""))
    except RegistrationError as exc:
        return _failed(str(exc), 502)
    try:
        written = registration.save(services.settings.env_file, registered)
    except (EnvFileError, OSError) as exc:
        return _failed(_unsaved(services, registered, exc), 500)
    registration.finish(services.db)
    log.info("GitHub App registered", app_id=registered.app_id, slug=registered.slug, owner=registered.owner)
    return _done(services, registered, written)


def _unsaved(services: Services, registered: Registered, exc: Exception) -> str:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return (
        f"GitHub created the App {registered.name}, but its credentials could not be written to "
        f"{services.settings.env_file} ({reason}). Delete the App on GitHub ({registered.html_url}) and "
        "start again once the file is writable."
    )


def _done(services: Services, registered: Registered, written: list[str]) -> Response:
    problem = adopt(services, registered.app_id)
    page = render_template(
        "setup/done.html",
        title="Pipeline Guard is registered",
        registered=registered,
        written=written,
        env_file=services.settings.env_file,
        webhook_secret=registered.webhook_secret,
        problem=problem,
    )
    response = Response(page, mimetype="text/html")
    response.delete_cookie(COOKIE, path="/setup")
    return response


def adopt(services: Services, app_id: str) -> str | None:
    """Load the written credentials into this process; what went wrong, if anything."""
    names = [*registration.CREDENTIAL_NAMES]
    try:
        settings = load_settings(read_environment(services.settings.env_file))
    except SettingsError as exc:
        return f"The credentials are written, but the settings do not load: {'; '.join(exc.problems)}."
    overridden = registration.shadowed(names, os.environ)
    if settings.app_id != app_id or overridden:
        return (
            f"The process environment sets {', '.join(overridden) or 'APP_ID'}, which overrides "
            f"{services.settings.env_file}: remove or update those variables, then restart the guard."
        )
    services.reconfigure(settings)
    return None


def _failed(message: str, status: int) -> tuple[str, int]:
    log.warning("registration failed", reason=message)
    return render_template("setup/failed.html", title="Registration did not finish", message=message), status
