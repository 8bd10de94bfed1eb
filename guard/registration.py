"""Registering the GitHub App from the guard itself (GitHub's App manifest flow), without Flask.

Until the guard has App credentials, anyone who reaches its home page could start a registration, so
completing one takes a one-time setup code that only the operator sees: it is printed in the first log
lines and kept in the database, shared by every process. Each registration started with the right code
gets a random ``state`` that GitHub hands back with the conversion code; a state works once, for one hour,
and only in the browser that started it (it is also set in a cookie).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy.dialects import postgresql, sqlite

from guard.db import Database, state
from guard.envfile import set_values
from guard.redact import register_secret
from guard.state import StateStore

NAMESPACE = "guard.registration"
CODE_KEY = "setup-code"
PENDING = "pending:"
LIFETIME_SECONDS = 3600
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_GITHUB_CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_ORG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
CREDENTIAL_NAMES = ("APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET")


class RegistrationError(RuntimeError):
    """The registration cannot go on; the message says what to do, and holds no secret."""


@dataclass(frozen=True)
class Registered:
    """What GitHub answered for the new App (secrets excluded from ``repr``)."""

    app_id: str
    slug: str
    name: str
    html_url: str
    owner: str
    client_id: str
    pem: str
    webhook_secret: str | None
    client_secret: str

    def __repr__(self) -> str:
        return f"Registered(app_id={self.app_id}, slug={self.slug}, owner={self.owner}, secrets redacted)"

    @property
    def install_url(self) -> str:
        return f"{self.html_url}/installations/new"


def setup_code(db: Database) -> str:
    """The setup code of this database, created once and then shared by every process."""
    fresh = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    insert = postgresql.insert if db.is_postgres else sqlite.insert
    row = {"namespace": NAMESPACE, "key": CODE_KEY, "value": fresh, "updated_at": time.time()}
    with db.write() as conn:
        conn.execute(insert(state).values(**row).on_conflict_do_nothing(index_elements=["namespace", "key"]))
    code = StateStore(db).get(NAMESPACE, CODE_KEY)
    assert isinstance(code, str)
    return code


def code_matches(db: Database, given: str) -> bool:
    """Whether ``given`` is the setup code (spaces, dashes and case ignored; compared in constant time)."""
    expected = StateStore(db).get(NAMESPACE, CODE_KEY)
    if not isinstance(expected, str):
        return False
    return hmac.compare_digest(_normal(given).encode(), _normal(expected).encode())


def _normal(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def valid_organisation(login: str) -> bool:
    return bool(_ORG.fullmatch(login)) and not login.endswith("-") and "--" not in login


def begin(db: Database, clock: Callable[[], float] = time.time) -> str:
    """A new single-use ``state`` for one registration (expired ones are dropped)."""
    store = StateStore(db, clock)
    now = clock()
    for key, value in store.items(NAMESPACE, PENDING).items():
        if now - float(value.get("created_at", 0)) > LIFETIME_SECONDS:
            store.delete(NAMESPACE, key)
    token = secrets.token_urlsafe(32)
    store.put(NAMESPACE, _pending_key(token), {"created_at": now})
    return token


def take(db: Database, token: str, clock: Callable[[], float] = time.time) -> bool:
    """Use up ``state``: True once for a state begun within the hour, False otherwise."""
    key = _pending_key(token)
    value = StateStore(db).get(NAMESPACE, key)
    with db.write() as conn:
        deleted = conn.execute(
            state.delete().where(state.c.namespace == NAMESPACE, state.c.key == key)
        ).rowcount
    return deleted == 1 and clock() - float(value.get("created_at", 0)) <= LIFETIME_SECONDS


def _pending_key(token: str) -> str:
    return PENDING + hashlib.sha256(token.encode()).hexdigest()


def finish(db: Database) -> None:
    """Forget the setup code and pending states: registration is done."""
    with db.write() as conn:
        conn.execute(state.delete().where(state.c.namespace == NAMESPACE))


def convert(api_url: str, code: str, timeout: float = 15.0) -> Registered:
    """Exchange GitHub's code for the new App's credentials (``POST /app-manifests/{code}/conversions``)."""
    if not _GITHUB_CODE.fullmatch(code):
        raise RegistrationError("GitHub's redirect did not carry a valid code; start the registration again")
    try:
        answer = requests.post(
            f"{api_url}/app-manifests/{code}/conversions",
            headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise RegistrationError(f"could not reach GitHub at {api_url}: {type(exc).__name__}") from None
    if answer.status_code == 404:
        raise RegistrationError(
            "GitHub no longer accepts this code (a code works once, within an hour): start again"
        )
    if answer.status_code != 201:
        raise RegistrationError(f"GitHub refused the conversion with HTTP {answer.status_code}")
    return _registered(answer.json())


def _registered(data: Mapping[str, Any]) -> Registered:
    try:
        found = Registered(
            app_id=str(data["id"]),
            slug=str(data["slug"]),
            name=str(data["name"]),
            html_url=str(data["html_url"]),
            owner=str(data["owner"]["login"]),
            client_id=str(data["client_id"]),
            pem=str(data["pem"]),
            webhook_secret=data["webhook_secret"],
            client_secret=str(data["client_secret"]),
        )
    except (KeyError, TypeError) as exc:
        raise RegistrationError(f"GitHub's answer lacks {exc}") from None
    register_secret(found.pem, found.webhook_secret, found.client_secret)
    return found


def save(env_file: Path, registered: Registered) -> list[str]:
    """Write the App's credentials to ``env_file`` (mode 0600); the names written."""
    values = {
        "APP_ID": registered.app_id,
        "PRIVATE_KEY": registered.pem,
        "GITHUB_CLIENT_ID": registered.client_id,
        "GITHUB_CLIENT_SECRET": registered.client_secret,
    }
    if registered.webhook_secret:
        values["WEBHOOK_SECRET"] = registered.webhook_secret
    set_values(env_file, values)
    return list(values)


def shadowed(names: list[str], environ: Mapping[str, str]) -> list[str]:
    """The written names that the process environment also sets, and so overrides."""
    return [name for name in names if environ.get(name)]
