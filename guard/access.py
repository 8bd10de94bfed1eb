"""Who may see the status page and the metrics: checks that fail closed.

The metrics need a valid API token (``guard tokens create NAME``, sent as ``Authorization: Bearer``).
The admin check refuses everyone until admin sign-in exists, so nothing here is ever served
unprotected. ``create_app(access=...)`` replaces a check (tests, and the real sign-in when it lands).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Response, current_app, jsonify, render_template

from guard.api_auth import valid_api_token

View = TypeVar("View", bound=Callable[..., Any])
Check = Callable[[], bool]
EXTENSION = "guard.access"


def refuse() -> bool:
    """The admin check until sign-in exists: nobody is let in."""
    return False


@dataclass(frozen=True)
class Access:
    """The checks the protected views run in the request context; True lets the request through."""

    admin: Check = refuse
    metrics: Check = valid_api_token


def _checks() -> Access:
    found: Access = current_app.extensions.get(EXTENSION, Access())
    return found


def admin_required(view: View) -> View:
    """Only signed-in admins reach ``view``; anyone else gets a 401 page saying how to get the data."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _checks().admin():
            return view(*args, **kwargs)
        return render_template("admin_refused.html", title="Sign-in needed"), 401

    return guarded  # type: ignore[return-value]


def metrics_token_required(view: View) -> View:
    """Only a caller with an API token reaches ``view``; 401 otherwise (the endpoint exists, it is locked)."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _checks().metrics():
            return view(*args, **kwargs)
        answer: Response = jsonify(
            error="metrics need a valid API token (guard tokens create NAME) sent as 'Authorization: Bearer "
            "<token>'; or set GUARD_METRICS_PORT to serve them on a separate port instead"
        )
        answer.headers["WWW-Authenticate"] = 'Bearer realm="pipeline-guard"'
        return answer, 401

    return guarded  # type: ignore[return-value]
