"""Sign in with GitHub (the App's OAuth web flow), without Flask.

``begin`` records a single-use ``state`` with a PKCE verifier (ten minutes, in the ``state`` table so
any process can finish it) and gives the authorize URL on ``GITHUB_URL``. GitHub sends the person back
with a code; ``finish`` uses the state up, exchanges the code at ``GITHUB_URL/login/oauth/access_token``
and reads ``GET /user`` on ``GITHUB_API_URL`` with the user's token, then has GitHub revoke the token
(``DELETE /applications/{client_id}/token``): nothing keeps it, and it stops working at once.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import structlog

from guard.db import Database, state
from guard.redact import register_secret
from guard.settings import Settings
from guard.state import StateStore

log = structlog.get_logger("guard.signin")
NAMESPACE = "guard.signin"
LIFETIME_SECONDS = 600
MAX_PENDING = 10_000  # sign-ins begun and not finished within LIFETIME_SECONDS; /login is anonymous
TIMEOUT_SECONDS = 15.0
_CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


class SignInError(RuntimeError):
    """Sign-in cannot go on; the message tells the person what happened, and holds no secret."""


@dataclass(frozen=True)
class Started:
    """A begun sign-in: the ``state`` (also set in the browser's cookie) and where to send the browser."""

    state: str
    authorize_url: str


def configured(settings: Settings) -> bool:
    """Whether the App's OAuth client id and secret are set (sign-in is impossible without them)."""
    return bool(settings.github_client_id and settings.github_client_secret)


def begin(
    db: Database, settings: Settings, redirect_uri: str, clock: Callable[[], float] = time.time
) -> Started:
    """Record a new state and its PKCE verifier; the authorize URL that carries them to GitHub."""
    store = StateStore(db, clock)
    now = clock()
    pending = store.items(NAMESPACE)
    expired = [k for k, v in pending.items() if now - float(v.get("created_at", 0)) > LIFETIME_SECONDS]
    for key in expired:
        store.delete(NAMESPACE, key)
    if len(pending) - len(expired) >= MAX_PENDING:
        raise SignInError("too many sign-ins are in progress; try again in a few minutes")
    token, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    store.put(NAMESPACE, _key(token), {"created_at": now, "verifier": verifier})
    query = {
        "client_id": settings.github_client_id or "",
        "redirect_uri": redirect_uri,
        "state": token,
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        "allow_signup": "false",
    }
    return Started(token, f"{settings.github_url}/login/oauth/authorize?{urllib.parse.urlencode(query)}")


def take(db: Database, token: str, clock: Callable[[], float] = time.time) -> str | None:
    """Use up ``state``: its PKCE verifier once, within ten minutes of ``begin``; None otherwise."""
    key = _key(token)
    value = StateStore(db).get(NAMESPACE, key)
    with db.write() as conn:
        deleted = conn.execute(
            state.delete().where(state.c.namespace == NAMESPACE, state.c.key == key)
        ).rowcount
    if deleted != 1 or not isinstance(value, dict):
        return None
    if clock() - float(value.get("created_at", 0)) > LIFETIME_SECONDS:
        return None
    return str(value["verifier"])


def finish(settings: Settings, code: str, verifier: str, redirect_uri: str) -> str:
    """Exchange GitHub's code for a user token, read the login it belongs to, and forget the token."""
    if not _CODE.fullmatch(code):
        raise SignInError("GitHub's redirect did not carry a valid code; sign in again")
    token = _exchange(settings, code, verifier, redirect_uri)
    register_secret(token)
    try:
        return _login(settings.github_api_url, token)
    finally:
        _revoke(settings, token)


def _exchange(settings: Settings, code: str, verifier: str, redirect_uri: str) -> str:
    fields = {
        "client_id": settings.github_client_id or "",
        "client_secret": settings.github_client_secret or "",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    url = f"{settings.github_url}/login/oauth/access_token"
    answer = _call("POST", url, {"Accept": "application/json"}, data=fields)
    data = _json(answer)
    if answer.status_code != 200 or "error" in data:
        reason = data.get("error_description") or data.get("error") or f"HTTP {answer.status_code}"
        raise SignInError(f"GitHub did not accept the sign-in ({reason}); sign in again")
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise SignInError("GitHub's answer carried no access token; sign in again")
    return token


def _login(api_url: str, token: str) -> str:
    answer = _call("GET", f"{api_url}/user", _API_HEADERS | {"Authorization": f"Bearer {token}"})
    login = _json(answer).get("login")
    if answer.status_code != 200 or not isinstance(login, str) or not login:
        raise SignInError(f"GitHub did not say who signed in (HTTP {answer.status_code}); sign in again")
    return login


def _revoke(settings: Settings, token: str) -> None:
    """Have GitHub revoke the user's token now rather than in eight hours; a failure is only logged."""
    client = (settings.github_client_id or "", settings.github_client_secret or "")
    url = f"{settings.github_api_url}/applications/{urllib.parse.quote(client[0], safe='')}/token"
    try:
        answer = _call("DELETE", url, _API_HEADERS, json={"access_token": token}, auth=client)
    except SignInError as exc:
        log.warning("the sign-in token was not revoked", reason=str(exc))
        return
    if answer.status_code != 204:
        log.warning("the sign-in token was not revoked", status=answer.status_code)


def _call(method: str, url: str, headers: dict[str, str], **options: Any) -> requests.Response:
    try:
        return requests.request(method, url, headers=headers, timeout=TIMEOUT_SECONDS, **options)
    except requests.RequestException as exc:
        host = urllib.parse.urlsplit(url).netloc
        raise SignInError(f"could not reach GitHub at {host}: {type(exc).__name__}") from None


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
