"""GitHub App credentials: the App's JWT and cached installation access tokens.

The private key and tokens never appear in logs, reprs or exception messages: the objects holding
them print as ``<... redacted>``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

JWT_BACKDATE = 60
JWT_LIFETIME = 540
TOKEN_REFRESH_MARGIN = 300.0
JWT_REUSE_MARGIN = 120


def load_private_key(pem: str | bytes) -> RSAPrivateKey:
    """The App's RSA private key; the error never echoes the key material."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ValueError("the GitHub App private key is not an unencrypted PEM private key") from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the GitHub App private key must be an RSA key (GitHub signs Apps with RS256)")
    return key


def make_app_jwt(app_id: str, private_key: str | RSAPrivateKey, now: float) -> str:
    """An RS256 JWT for the App: issued 60 s in the past, expiring 9 min from ``now`` (10 min in all).

    ``app_id`` may be the numeric App ID or the client ID; GitHub accepts either as ``iss``.
    """
    key = load_private_key(private_key) if isinstance(private_key, str) else private_key
    issued = int(now)
    claims = {"iat": issued - JWT_BACKDATE, "exp": issued + JWT_LIFETIME, "iss": str(app_id)}
    return jwt.encode(claims, key, algorithm="RS256")


class AppJwt:
    """Mints and reuses the App's JWT, corrected for clock skew reported by GitHub."""

    def __init__(self, app_id: str, private_key: str | RSAPrivateKey, clock: Callable[[], float]) -> None:
        self.app_id = str(app_id)
        self._key = load_private_key(private_key) if isinstance(private_key, str) else private_key
        self._clock = clock
        self._lock = threading.Lock()
        self._skew = 0.0
        self._cached: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return f"<AppJwt app_id={self.app_id} key redacted>"

    def token(self) -> str:
        """A JWT valid for at least two more minutes (GitHub's clock)."""
        with self._lock:
            now = self._clock() + self._skew
            if self._cached is None or now >= self._cached[1] - JWT_REUSE_MARGIN:
                self._cached = (make_app_jwt(self.app_id, self._key, now), int(now) + JWT_LIFETIME)
            return self._cached[0]

    def resync(self, server_now: float) -> None:
        """Adopt GitHub's clock (from an answer's ``Date``) for the next JWTs, as octokit does."""
        with self._lock:
            self._skew = server_now - self._clock()
            self._cached = None

    @property
    def skew(self) -> float:
        """Seconds GitHub's clock runs ahead of ours, as last measured."""
        return self._skew


@dataclass(frozen=True)
class InstallationToken:
    """An installation access token; ``expires_at`` and ``minted_at`` are on our clock."""

    value: str = field(repr=False)
    expires_at: float
    minted_at: float


TokenFetcher = Callable[[int], InstallationToken]


class InstallationTokens:
    """Thread-safe token cache: one fetch at a time per installation, refreshed before expiry."""

    def __init__(self, fetch: TokenFetcher, clock: Callable[[], float], margin: float = TOKEN_REFRESH_MARGIN):
        self._fetch = fetch
        self._clock = clock
        self._margin = margin
        self._tokens: dict[int, InstallationToken] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"<InstallationTokens cached={len(self._tokens)}>"

    def _fresh(self, installation_id: int) -> InstallationToken | None:
        token = self._tokens.get(installation_id)
        return token if token is not None and self._clock() < token.expires_at - self._margin else None

    def _lock_for(self, installation_id: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(installation_id, threading.Lock())

    def get(self, installation_id: int) -> InstallationToken:
        """A token valid for at least ``margin`` more seconds, fetched only when needed."""
        token = self._fresh(installation_id)
        if token is not None:
            return token
        with self._lock_for(installation_id):
            token = self._fresh(installation_id)
            if token is None:
                token = self._fetch(installation_id)
                self._tokens[installation_id] = token
            return token

    def invalidate(self, installation_id: int, token: InstallationToken) -> None:
        """Forget ``token`` (refused by GitHub) unless another thread already replaced it."""
        with self._lock_for(installation_id):
            if self._tokens.get(installation_id) is token:
                del self._tokens[installation_id]
