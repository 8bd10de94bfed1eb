"""API tokens for the alert feed and metrics: shown once when created, stored only as a SHA-256 hash.

A token is 32 random bytes, so a plain hash is enough (nothing to brute-force), and looking it up by
its hash leaks nothing about other tokens; the raw value is never stored or logged. A revoked token
stays listed with the time it was revoked; its name can be reused.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from guard.db import Database, api_tokens

PREFIX = "pgt_"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_RAW_PATTERN = re.compile(r"pgt_[A-Za-z0-9_-]{43}")


class TokenError(ValueError):
    """A token name is invalid or already in use."""


@dataclass(frozen=True)
class TokenInfo:
    """What ``guard tokens list`` shows: never the token itself."""

    name: str
    created_at: float
    revoked_at: float | None


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenStore:
    """Create, list, revoke and verify API tokens in the ``api_tokens`` table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    def create(self, name: str) -> str:
        """A new token named ``name``; the returned raw value is the only copy there will ever be."""
        if not NAME_PATTERN.fullmatch(name):
            raise TokenError(f"token name {name!r} must be 1-64 letters, digits or . _ @ - (not first)")
        raw = PREFIX + secrets.token_urlsafe(32)
        with self.db.write() as conn:
            if conn.execute(_live(name)).first() is not None:
                raise TokenError(f"a token named {name!r} exists; revoke it first")
            conn.execute(
                api_tokens.insert().values(name=name, token_hash=_digest(raw), created_at=self.clock())
            )
        return raw

    def revoke(self, name: str) -> bool:
        """Revoke the live token named ``name``; False when there is none."""
        with self.db.write() as conn:
            result = conn.execute(
                api_tokens.update()
                .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=self.clock())
            )
        return result.rowcount > 0

    def list(self) -> list[TokenInfo]:
        query = sa.select(api_tokens.c.name, api_tokens.c.created_at, api_tokens.c.revoked_at).order_by(
            api_tokens.c.id
        )
        with self.db.read() as conn:
            return [TokenInfo(row.name, row.created_at, row.revoked_at) for row in conn.execute(query)]

    def verify(self, raw: str) -> str | None:
        """The name of the live token ``raw`` is, or None (malformed, unknown or revoked)."""
        if not _RAW_PATTERN.fullmatch(raw):
            return None
        query = sa.select(api_tokens.c.name).where(
            api_tokens.c.token_hash == _digest(raw), api_tokens.c.revoked_at.is_(None)
        )
        with self.db.read() as conn:
            name = conn.execute(query).scalar_one_or_none()
        return None if name is None else str(name)


def _live(name: str) -> sa.Select[tuple[int]]:
    return sa.select(api_tokens.c.id).where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))


def verify(db: Database, raw: str) -> str | None:
    """The name of the live token ``raw`` is, or None."""
    return TokenStore(db).verify(raw)
