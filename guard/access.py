"""Who may see the status page and the metrics.

The status page is for signed-in admins: anyone the sign-in admitted (an owner of a served organisation
or an active member of one of its ``alerts.readers`` teams, ``guard/readers.py``). The metrics need a
live API token (``guard tokens create NAME``) as ``Authorization: Bearer …``, unless
``GUARD_METRICS_PORT`` serves them on a port of their own. ``create_app(access=...)`` replaces a check
(tests do).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Response, current_app, jsonify, render_template, request

from guard import tokens
from guard.services import Services
from guard.signin_pages import current_session

View = TypeVar("View", bound=Callable[..., Any])
Check = Callable[[], bool]
EXTENSION = "guard.access"


def signed_in_admin() -> bool:
    """Whether the request comes from a signed-in admin's browser."""
    return current_session() is not None


def bearer_token() -> str | None:
    """The credential of ``Authorization: Bearer …``, if any."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def api_token() -> bool:
    """Whether the request carries a live API token."""
    raw = bearer_token()
    services: Services = current_app.extensions["guard"]
    return raw is not None and tokens.verify(services.db, raw) is not None


@dataclass(frozen=True)
class Access:
    """The checks the protected views run in the request context; True lets the request through."""

    admin: Check = signed_in_admin
    metrics: Check = api_token


def _checks() -> Access:
    found: Access = current_app.extensions.get(EXTENSION, Access())
    return found


def admin_required(view: View) -> View:
    """Only signed-in admins reach ``view``; anyone else gets a 401 page offering sign-in."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _checks().admin():
            return view(*args, **kwargs)
        return render_template("admin_refused.html", title="Sign-in needed"), 401

    return guarded  # type: ignore[return-value]


def metrics_token_required(view: View) -> View:
    """Only a caller with a live API token reaches ``view``; 401 otherwise."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _checks().metrics():
            return view(*args, **kwargs)
        answer: Response = jsonify(
            error="metrics need an API token (guard tokens create NAME) sent as Authorization: Bearer; "
            "or set GUARD_METRICS_PORT to serve them on a separate port instead"
        )
        answer.headers["WWW-Authenticate"] = 'Bearer realm="pipeline-guard"'
        return answer, 401

    return guarded  # type: ignore[return-value]
