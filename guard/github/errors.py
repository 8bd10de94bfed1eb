"""Typed errors for GitHub API answers; none of them ever carries a credential.

``RateLimited`` and ``GitHubUnavailable`` mean "try the whole job again later": the client never sleeps
for a rate-limit reset itself, it tells the caller when to come back (``retry_at``).
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from typing import Any, Literal

SECONDARY_FALLBACK_SECONDS = 60.0
RateLimitKind = Literal["primary", "secondary"]


class GitHubError(Exception):
    """GitHub answered with an error (``status`` is None when no answer arrived)."""

    def __init__(
        self,
        status: int | None,
        message: str,
        documentation_url: str | None = None,
        errors: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        super().__init__(f"GitHub {status}: {message}" if status is not None else f"GitHub: {message}")
        self.status = status
        self.message = message
        self.documentation_url = documentation_url
        self.errors = errors


class Unauthorized(GitHubError):
    """401: the JWT or installation token was refused."""


class Forbidden(GitHubError):
    """403 that is not a rate limit, e.g. "Resource not accessible by integration"."""


class NotFound(GitHubError):
    """404: missing, or not visible to this installation."""


class Conflict(GitHubError):
    """409."""


class Unprocessable(GitHubError):
    """422: GitHub refused the request body; ``errors`` holds its details when given."""


class RateLimited(GitHubError):
    """403/429 for a primary or secondary rate limit; retry the job no earlier than ``retry_at`` (epoch)."""

    def __init__(
        self,
        status: int | None,
        message: str,
        documentation_url: str | None,
        *,
        retry_at: float,
        kind: RateLimitKind,
    ) -> None:
        super().__init__(status, message, documentation_url)
        self.retry_at = retry_at
        self.kind = kind


class GitHubUnavailable(GitHubError):
    """5xx answers, timeouts or connection failures that outlasted the bounded retries."""


_BY_STATUS: dict[int, type[GitHubError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    422: Unprocessable,
}


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait per ``retry-after``: delay-seconds, or an HTTP-date read against GitHub's ``Date``."""
    seconds = _header_float(headers, "retry-after")
    if seconds is not None or "retry-after" not in headers:
        return seconds
    when = server_time({"date": headers["retry-after"]})
    if when is None:
        return None
    their_now = server_time(headers)
    return when - (their_now if their_now is not None else now)


def server_time(headers: Mapping[str, str]) -> float | None:
    """GitHub's clock at the time of the answer, from its ``Date`` header."""
    date = headers.get("date")
    if not date:
        return None
    try:
        return email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None


def is_rate_limit(status: int, headers: Mapping[str, str], message: str) -> bool:
    """429, or 403 with remaining 0, a retry-after, or a rate-limit (or older abuse-detection) message."""
    if status == 429:
        return True
    if status != 403:
        return False
    return (
        headers.get("x-ratelimit-remaining") == "0"
        or "retry-after" in headers
        or "rate limit" in message.lower()
        or "abuse detection" in message.lower()
    )


def rate_limit_retry(headers: Mapping[str, str], message: str, now: float) -> tuple[float, RateLimitKind]:
    """When to retry and which limit was hit, in GitHub's documented order.

    ``retry-after`` seconds if present; else, when ``x-ratelimit-remaining`` is 0, the
    ``x-ratelimit-reset`` time (translated to our clock through the ``Date`` header when GitHub's clock
    differs); else at least a minute.
    """
    primary = headers.get("x-ratelimit-remaining") == "0" and "secondary" not in message.lower()
    kind: RateLimitKind = "primary" if primary else "secondary"
    retry_after = _retry_after(headers, now)
    if retry_after is not None:
        return now + max(retry_after, 0.0), kind
    reset = _header_float(headers, "x-ratelimit-reset")
    if headers.get("x-ratelimit-remaining") == "0" and reset is not None:
        their_now = server_time(headers)
        wait = reset - (their_now if their_now is not None else now)
        return now + max(wait, 1.0), kind
    return now + SECONDARY_FALLBACK_SECONDS, kind


def error_for(status: int, body: Any, headers: Mapping[str, str], now: float) -> GitHubError:
    """The typed error for an error answer (``headers`` keys lower-case)."""
    data = body if isinstance(body, dict) else {}
    message = str(data.get("message") or f"HTTP {status}")
    docs = data.get("documentation_url")
    documentation_url = docs if isinstance(docs, str) else None
    if is_rate_limit(status, headers, message):
        retry_at, kind = rate_limit_retry(headers, message, now)
        return RateLimited(status, message, documentation_url, retry_at=retry_at, kind=kind)
    if status >= 500:
        return GitHubUnavailable(status, message, documentation_url)
    details = data.get("errors")
    errors = tuple(e for e in details if isinstance(e, dict)) if isinstance(details, list) else ()
    return _BY_STATUS.get(status, GitHubError)(status, message, documentation_url, errors)
