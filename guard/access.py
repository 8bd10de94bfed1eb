"""Who may see the status page and the metrics: checks that fail closed.

The status page is for signed-in admins: anyone the sign-in admitted (an owner of a served organisation
or an active member of one of its ``alerts.readers`` teams, ``guard/readers.py``). The metrics need a
valid API token (``guard tokens create NAME``, sent as ``Authorization: Bearer``), unless
``GUARD_METRICS_PORT`` serves them on a port of their own. ``create_app(access=...)`` replaces a check
(tests do).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Response, current_app, jsonify, render_template

from guard.api_auth import valid_api_token
from guard.signin_pages import current_session

View = TypeVar("View", bound=Callable[..., Any])
Check = Callable[[], bool]
EXTENSION = "guard.access"


def signed_in_admin() -> bool:
    """Whether the request comes from a signed-in admin's browser."""
    return current_session() is not None


@dataclass(frozen=True)
class Access:
    """The checks the protected views run in the request context; True lets the request through."""

    admin: Check = signed_in_admin
    metrics: Check = valid_api_token


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
            error="metrics need a valid API token (guard tokens create NAME) sent as 'Authorization: Bearer "
            "<token>'; or set GUARD_METRICS_PORT to serve them on a separate port instead"
        )
        answer.headers["WWW-Authenticate"] = 'Bearer realm="pipeline-guard"'
        return answer, 401

    return guarded  # type: ignore[return-value]
