"""Server-side sign-in sessions in the ``state`` table, shared by every process.

The browser holds only a random session id; the table holds its SHA-256, the GitHub login, the
organisations whose alerts the person may read, the CSRF token of their forms and the expiry. No
GitHub token is kept. A session ends at its expiry (``LIFETIME_SECONDS`` after sign-in, so a person taken
off a reader team is out at the latest then) or at sign-out.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from guard.db import Database, state
from guard.state import StateStore

NAMESPACE = "guard.sessions"
LIFETIME_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    """A signed-in person: who, which organisations they may read, their forms' CSRF token, until when."""

    login: str
    organisations: tuple[str, ...]
    csrf_token: str
    expires_at: float


class SessionStore:
    """Create, find and end sessions by the id the browser's cookie carries."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self.store = StateStore(db, clock)

    def create(self, login: str, organisations: tuple[str, ...]) -> tuple[str, Session]:
        """A new session (expired ones are dropped first); returns the id for the cookie and the session."""
        self._drop_expired()
        session_id = secrets.token_urlsafe(32)
        session = Session(login, organisations, secrets.token_urlsafe(32), self.clock() + LIFETIME_SECONDS)
        value = {
            "login": login,
            "organisations": list(organisations),
            "csrf_token": session.csrf_token,
            "expires_at": session.expires_at,
        }
        self.store.put(NAMESPACE, _key(session_id), value)
        return session_id, session

    def find(self, session_id: str) -> Session | None:
        """The live session with this id, or None (unknown, malformed or expired)."""
        if not session_id or len(session_id) > 128:
            return None
        value = self.store.get(NAMESPACE, _key(session_id))
        if not isinstance(value, dict) or float(value.get("expires_at", 0)) <= self.clock():
            return None
        return Session(
            login=str(value["login"]),
            organisations=tuple(str(o) for o in value.get("organisations", [])),
            csrf_token=str(value["csrf_token"]),
            expires_at=float(value["expires_at"]),
        )

    def end(self, session_id: str) -> None:
        self.store.delete(NAMESPACE, _key(session_id))

    def _drop_expired(self) -> None:
        now = self.clock()
        expired = [k for k, v in self.store.items(NAMESPACE).items() if float(v.get("expires_at", 0)) <= now]
        if expired:
            with self.db.write() as conn:
                conn.execute(state.delete().where(state.c.namespace == NAMESPACE, state.c.key.in_(expired)))


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
