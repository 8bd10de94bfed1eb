"""``GET /``: the registration page while the guard has no App, the admins' status page once it has one.

Every HTML page gets headers that keep it in its own frame, out of caches and out of Referer headers
(the setup callback's URL carries GitHub's one-time code), and lets forms post only here and to GitHub.
"""

from __future__ import annotations

import datetime
import urllib.parse
from typing import Any

from flask import Blueprint, Response, current_app, render_template

from guard import setup_pages, status
from guard.access import admin_required
from guard.services import Services

blueprint = Blueprint("pages", __name__)


def _services() -> Services:
    services: Services = current_app.extensions["guard"]
    return services


@blueprint.get("/")
def home() -> Any:
    if not _services().registered:
        return setup_pages.registration_page()
    return status_page()


@admin_required
def status_page() -> str:
    report = status.gather(_services())
    return render_template("status.html", title="Status", report=report, ago=_ago, when=_when)


def _ago(seconds: float) -> str:
    """``42 s``, ``5 min``, ``3 h``, ``2 d``: a duration for people."""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def _when(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@blueprint.after_app_request
def page_headers(response: Response) -> Response:
    if response.mimetype != "text/html":
        return response
    github = urllib.parse.urlsplit(_services().settings.github_url)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; "
        f"form-action 'self' {github.scheme}://{github.netloc}",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response
