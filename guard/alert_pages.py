"""``GET /alerts`` (filters, pages), ``GET /alerts/<id>`` and its acknowledge and resolve forms.

Only signed-in readers see these pages, and only the alerts of the organisations their sign-in admitted
(``AlertFilter.organisations``); anyone else is sent to sign in. The forms post with the session's CSRF
token (``csrf_protected``). Evidence is Markdown rendered by ``guard/markdown_view.py``.
"""

from __future__ import annotations

import datetime
import urllib.parse
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for

from guard.alert_queries import (
    POLICIES,
    STATES,
    Alert,
    QueryError,
    get_alert,
    list_alerts,
    parse_filter,
    parse_limit,
    within_organisations,
)
from guard.alerts import AlertStore, StateConflict
from guard.db import alerts
from guard.markdown_view import render
from guard.services import Services
from guard.sessions import Session
from guard.signin_pages import csrf_protected, current_session
from policies.base import Severity

blueprint = Blueprint("alert_pages", __name__)
SEVERITIES = tuple(s.label for s in sorted(Severity, reverse=True))


def _services() -> Services:
    services: Services = current_app.extensions["guard"]
    return services


def _to_sign_in() -> Any:
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return redirect(url_for("signin.login", next=target), 302)


@blueprint.get("/alerts")
def alert_list() -> Any:
    session = current_session()
    if session is None:
        return _to_sign_in()
    form = {
        name: request.args.get(name, "")
        for name in ("min_severity", "policy", "repository", "state", "since")
    }
    try:
        wanted = replace(parse_filter(request.args), organisations=session.organisations)
        limit = parse_limit(request.args.get("limit"))
        page = list_alerts(_services().db, wanted, request.args.get("cursor") or None, limit)
    except QueryError as exc:
        return _list_page(form, [], None, str(exc), paged=False), 400
    next_url = None
    if page.next_cursor is not None:
        next_url = _list_url(wanted.as_query() | {"limit": str(limit), "cursor": page.next_cursor})
    return _list_page(form, list(page.alerts), next_url, None, paged="cursor" in request.args)


def _list_page(
    form: dict[str, str], found: list[Alert], next_url: str | None, error: str | None, *, paged: bool
) -> str:
    first_url = _list_url({k: v for k, v in form.items() if v}) if paged else None
    return render_template(
        "alerts/list.html",
        title="Alerts",
        form=form,
        alerts=found,
        next_url=next_url,
        first_url=first_url,
        error=error,
        severities=SEVERITIES,
        policies=POLICIES,
        states=STATES,
        when=when,
    )


def _list_url(query: dict[str, str]) -> str:
    base = url_for("alert_pages.alert_list")
    return f"{base}?{urllib.parse.urlencode(query)}" if query else base


@blueprint.get("/alerts/<int:alert_id>")
def alert_detail(alert_id: int) -> Any:
    session = current_session()
    if session is None:
        return _to_sign_in()
    alert = _visible(session, alert_id)
    if alert is None:
        return _problem("No such alert", "There is no alert with this number among those you may read.", 404)
    return render_template(
        "alerts/detail.html", title=alert.title, alert=alert, details=render(alert.details), when=when
    )


@blueprint.post("/alerts/<int:alert_id>/acknowledge")
@csrf_protected
def acknowledge(alert_id: int) -> Any:
    return _change(alert_id, "acknowledge")


@blueprint.post("/alerts/<int:alert_id>/resolve")
@csrf_protected
def resolve(alert_id: int) -> Any:
    return _change(alert_id, "resolve")


def _change(alert_id: int, verb: str) -> Any:
    session = current_session()
    assert session is not None  # csrf_protected admits signed-in people only
    if _visible(session, alert_id) is None:
        return _problem("No such alert", "There is no alert with this number among those you may read.", 404)
    note = request.form.get("note", "").strip() or None
    store = AlertStore(_services().db)
    change = store.acknowledge if verb == "acknowledge" else store.resolve
    try:
        change(alert_id, session.login, note)
    except StateConflict as exc:
        return _problem("Nothing changed", f"{exc}.", 409)
    except ValueError as exc:
        return _problem("Nothing changed", f"{exc}.", 400)
    return redirect(url_for("alert_pages.alert_detail", alert_id=alert_id), 303)


def _visible(session: Session, alert_id: int) -> Alert | None:
    """The alert, if it is one of those the session's organisations may read."""
    query = sa.select(alerts.c.id).where(alerts.c.id == alert_id, within_organisations(session.organisations))
    with _services().db.read() as conn:
        if conn.execute(query).first() is None:
            return None
    return get_alert(_services().db, alert_id)


def _problem(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("alerts/problem.html", title=title, message=message), status


def when(epoch: float | None) -> str:
    """``2026-01-31 12:00 UTC``."""
    if epoch is None:
        return ""
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
