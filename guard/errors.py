"""Which failures are transient: the delivery is retried later instead of being given up."""

from __future__ import annotations

from guard.db import DatabaseUnavailable
from guard.github.errors import GitHubUnavailable, RateLimited


class NotificationFailed(RuntimeError):
    """A notification endpoint did not take a notification; the delivery is retried with backoff."""


TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    GitHubUnavailable,
    RateLimited,
    DatabaseUnavailable,
    NotificationFailed,
)


def retry_not_before(error: BaseException) -> float | None:
    """The earliest time a retry makes sense (a rate limit's reset), if the error says."""
    return error.retry_at if isinstance(error, RateLimited) else None
