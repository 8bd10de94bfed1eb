"""``/login``, GitHub's redirect back (``/auth/github/callback``) and ``POST /logout``; the CSRF check.

The sign-in ``state`` is bound to the browser by a cookie; the session cookie carries only a random id
(``guard/sessions.py``). Both cookies are HttpOnly, Secure, SameSite=Lax (GitHub's redirect back is a
cross-site navigation, which Strict would strip) and expire. Every POST form carries the session's CSRF
token, and ``csrf_protected`` refuses a POST without it.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from flask import Blueprint, current_app, g, redirect, render_template, request
from werkzeug.wrappers import Response

from guard import readers, signin
from guard.manifest import SIGN_IN_CALLBACK_PATH
from guard.services import Services
from guard.sessions import LIFETIME_SECONDS, Session, SessionStore

log = structlog.get_logger("guard.signin")
blueprint = Blueprint("signin", __name__)
SESSION_COOKIE = "__Host-guard_session"
STATE_COOKIE = "__Host-guard_signin"
View = TypeVar("View", bound=Callable[..., Any])


def _services() -> Services:
    services: Services = current_app.extensions["guard"]
    return services


def current_session() -> Session | None:
    """The signed-in person of this request, or None."""
    if "guard_session" not in g:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        g.guard_session = SessionStore(_services().db).find(cookie) if cookie else None
    found: Session | None = g.guard_session
    return found


def csrf_protected(view: View) -> View:
    """Only a signed-in person's form, carrying their session's CSRF token, reaches ``view``."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        session = current_session()
        sent = request.form.get("csrf_token", "")
        if session is None or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            log.warning("form refused: missing or wrong CSRF token", path=request.path)
            return _message("Form refused", _STALE_FORM, 403)
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


_STALE_FORM = (
    "This form did not come from a page of this guard in your signed-in browser (its security token is "
    "missing or wrong), so nothing was changed. Reload the page and try again."
)


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in; anything else (another host, a scheme) becomes ``/alerts``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/alerts"
    return target


def _redirect_uri(services: Services) -> str:
    base = services.settings.public_url or request.url_root.rstrip("/")
    return base + SIGN_IN_CALLBACK_PATH


@blueprint.get("/login")
def login() -> Any:
    services = _services()
    if not signin.configured(services.settings):
        return _message("Sign-in is not set up", _NOT_CONFIGURED, 503)
    try:
        started = signin.begin(services.db, services.settings, _redirect_uri(services))
    except signin.SignInError as exc:
        return _message("Sign-in is busy", str(exc), 503)
    response = redirect(started.authorize_url, 302)
    response.set_cookie(
        STATE_COOKIE,
        f"{started.state}|{safe_next(request.args.get('next'))}",
        max_age=signin.LIFETIME_SECONDS,
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    return response


_NOT_CONFIGURED = (
    "Signing in needs the App's OAuth client id and secret (GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET). "
    "Registering the App from the guard's home page writes them to .env; otherwise copy them from the "
    "App's settings page on GitHub."
)


class _NotSignedIn(Exception):
    """GitHub's redirect cannot sign anyone in; the message says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@blueprint.get(SIGN_IN_CALLBACK_PATH)
def callback() -> Any:
    services = _services()
    try:
        login_name, target = _returning_login(services)
    except _NotSignedIn as refused:
        return _message("Not signed in", refused.message, refused.status)
    admission = readers.admit(services, login_name)
    if not admission.admitted:
        log.warning("sign-in refused: not a reader", login=login_name, problems=list(admission.problems))
        page = render_template("signin/refused.html", title="Not a reader", admission=admission)
        return _without_state(Response(page, status=403, mimetype="text/html"))
    session_id, _ = SessionStore(services.db).create(login_name, admission.organisations)
    log.info("signed in", login=login_name, organisations=list(admission.organisations))
    response = _without_state(redirect(safe_next(target), 303))
    response.set_cookie(
        SESSION_COOKIE, session_id, max_age=LIFETIME_SECONDS, secure=True, httponly=True, samesite="Lax"
    )
    return response


def _returning_login(services: Services) -> tuple[str, str]:
    """The GitHub login GitHub's redirect vouches for, and where to go next; _NotSignedIn otherwise."""
    if "error" in request.args:
        raise _NotSignedIn("GitHub did not authorize the sign-in, so you are not signed in.", 403)
    token, _, target = request.cookies.get(STATE_COOKIE, "").partition("|")
    given = request.args.get("state", "")
    if not (given and hmac.compare_digest(given.encode(), token.encode())):
        raise _NotSignedIn("This sign-in was not started in this browser. Sign in again.", 400)
    verifier = signin.take(services.db, token)
    if verifier is None:
        raise _NotSignedIn("This sign-in link was already used or is too old. Sign in again.", 400)
    code = request.args.get("code", "")
    try:
        return signin.finish(services.settings, code, verifier, _redirect_uri(services)), target
    except signin.SignInError as exc:
        raise _NotSignedIn(str(exc), 502) from None


@blueprint.post("/logout")
@csrf_protected
def logout() -> Any:
    SessionStore(_services().db).end(request.cookies.get(SESSION_COOKIE, ""))
    page = render_template("signin/signed_out.html", title="Signed out")
    response = Response(page, mimetype="text/html")
    response.delete_cookie(SESSION_COOKIE, secure=True, httponly=True, samesite="Lax")
    g.guard_session = None
    return response


def _without_state(response: Response) -> Response:
    response.delete_cookie(STATE_COOKIE, secure=True, httponly=True, samesite="Lax")
    return response


def _message(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("signin/message.html", title=title, message=message), status


@blueprint.app_context_processor
def signed_in() -> dict[str, Any]:
    """Templates see the signed-in person (for the header's sign-out form and every form's CSRF token)."""
    return {"signed_in": current_session()}
