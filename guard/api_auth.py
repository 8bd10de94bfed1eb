"""API tokens on requests: ``Authorization: Bearer <token>``, and HTTP Basic with the token as password
where feed readers need it (the Atom feed). Nobody anonymous gets in; a refusal says why, never which
tokens exist.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request

from guard.db import DatabaseUnavailable
from guard.services import Services
from guard.tokens import TokenStore

View = TypeVar("View", bound=Callable[..., Any])
REALM = "pipeline-guard"
MISSING = "an API token is needed: send 'Authorization: Bearer <token>' (create one with guard tokens create)"
REFUSED = "the API token is not valid (unknown, malformed or revoked)"


def presented_token(*, basic: bool = False) -> str | None:
    """The raw token the request carries, or None; with ``basic``, a Basic password counts too."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if basic and scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def token_name(*, basic: bool = False) -> str | None:
    """The name of the valid token the request carries, or None."""
    raw = presented_token(basic=basic)
    if raw is None:
        return None
    services: Services = current_app.extensions["guard"]
    return TokenStore(services.db).verify(raw)


def valid_api_token() -> bool:
    """The metrics check: a valid API token in ``Authorization: Bearer``."""
    try:
        return token_name() is not None
    except DatabaseUnavailable:
        return False


def refusal(*, basic: bool = False) -> tuple[Response, int]:
    """401 with the reason, and how to authenticate."""
    reason = REFUSED if presented_token(basic=basic) is not None else MISSING
    answer: Response = jsonify(error=reason)
    challenges = [f'Bearer realm="{REALM}"'] + ([f'Basic realm="{REALM}"'] if basic else [])
    answer.headers["WWW-Authenticate"] = ", ".join(challenges)
    return answer, 401


def unavailable() -> tuple[Response, int]:
    answer: Response = jsonify(error="the database is unavailable; try again shortly")
    answer.headers["Retry-After"] = "5"
    return answer, 503


def token_required(*, basic: bool = False) -> Callable[[View], View]:
    """Only requests with a valid token reach the view (its name in ``g.token_name``); 401 otherwise."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                name = token_name(basic=basic)
            except DatabaseUnavailable:
                return unavailable()
            if name is None:
                return refusal(basic=basic)
            g.token_name = name
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
