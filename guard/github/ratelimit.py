"""Rate-limit headroom per identity, and the holds that stop calls while a limit is in force."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from guard.github.errors import RateLimited, RateLimitKind, rate_limit_retry


@dataclass(frozen=True)
class RateLimit:
    """The ``x-ratelimit-*`` headers of the latest answer; ``reset`` is GitHub's epoch seconds."""

    limit: int
    remaining: int
    used: int
    reset: int
    resource: str
    observed_at: float


def parse_rate_limit(headers: Mapping[str, str], now: float) -> RateLimit | None:
    """The headroom an answer announces (``headers`` keys lower-case), or None without the headers."""
    try:
        limit = int(headers["x-ratelimit-limit"])
        remaining = int(headers["x-ratelimit-remaining"])
        reset = int(headers["x-ratelimit-reset"])
    except (KeyError, ValueError):
        return None
    used_text = headers.get("x-ratelimit-used", "")
    used = int(used_text) if used_text.isdigit() else limit - remaining
    resource = headers.get("x-ratelimit-resource", "core")
    return RateLimit(limit, remaining, used, reset, resource, now)


@dataclass(frozen=True)
class _Hold:
    until: float
    kind: RateLimitKind
    status: int | None
    message: str


class RateLimitBook:
    """Latest headroom per identity and resource; holds an identity while GitHub says to wait.

    A hold is placed when GitHub answers with a rate limit, or when an answer shows 0 remaining; until
    it ends every call of that identity fails fast with ``RateLimited`` instead of reaching GitHub
    ("continuing to make requests while you are rate limited may result in the banning of your
    integration"). Holds apply to the whole identity, since secondary limits are not per resource.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, dict[str, RateLimit]] = {}
        self._holds: dict[str, _Hold] = {}

    def observe(self, identity: str, headers: Mapping[str, str], now: float) -> RateLimit | None:
        """Remember the answer's headroom; hold the identity when it shows nothing left."""
        limit = parse_rate_limit(headers, now)
        if limit is None:
            return None
        with self._lock:
            self._latest.setdefault(identity, {})[limit.resource] = limit
        if limit.remaining == 0:
            until, kind = rate_limit_retry(headers, "", now)
            self._hold(identity, _Hold(until, kind, None, f"{limit.resource} rate limit exhausted"))
        return limit

    def hold(self, identity: str, error: RateLimited) -> None:
        self._hold(identity, _Hold(error.retry_at, error.kind, error.status, error.message))

    def _hold(self, identity: str, hold: _Hold) -> None:
        with self._lock:
            current = self._holds.get(identity)
            if current is None or hold.until > current.until:
                self._holds[identity] = hold

    def check(self, identity: str, now: float) -> None:
        """Raise ``RateLimited`` if the identity is held at ``now``."""
        with self._lock:
            hold = self._holds.get(identity)
            if hold is not None and now >= hold.until:
                del self._holds[identity]
                hold = None
        if hold is not None:
            raise RateLimited(
                hold.status,
                f"held until GitHub's rate limit resets: {hold.message}",
                None,
                retry_at=hold.until,
                kind=hold.kind,
            )

    def check_reserve(self, identity: str, reserve: float, now: float) -> None:
        """Raise ``RateLimited`` while the identity's last known core headroom is below ``reserve``."""
        known = self.latest(identity)
        if known is None or now >= known.reset or known.remaining >= known.limit * reserve:
            return
        raise RateLimited(
            None,
            f"deferred to keep {reserve:.0%} of the rate limit for webhooks ({known.remaining} left)",
            None,
            retry_at=float(known.reset),
            kind="primary",
        )

    def latest(self, identity: str, resource: str = "core") -> RateLimit | None:
        with self._lock:
            return self._latest.get(identity, {}).get(resource)

    def snapshot(self) -> dict[str, dict[str, RateLimit]]:
        """Every identity's latest headroom per resource, for sweeps and metrics."""
        with self._lock:
            return {identity: dict(limits) for identity, limits in self._latest.items()}
