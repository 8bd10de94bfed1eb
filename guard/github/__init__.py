"""GitHub App access over the REST API: JWT and installation tokens, retries, rate limits, ETags."""

from guard.github.auth import InstallationToken, InstallationTokens, make_app_jwt
from guard.github.client import DEFAULT_API_URL, Client, GitHub, normalize_api_url
from guard.github.errors import (
    Conflict,
    Forbidden,
    GitHubError,
    GitHubUnavailable,
    NotFound,
    RateLimited,
    Unauthorized,
    Unprocessable,
)
from guard.github.ratelimit import RateLimit
from guard.github.transport import Response, RetryPolicy, Timeouts

__all__ = [
    "DEFAULT_API_URL",
    "Client",
    "Conflict",
    "Forbidden",
    "GitHub",
    "GitHubError",
    "GitHubUnavailable",
    "InstallationToken",
    "InstallationTokens",
    "NotFound",
    "RateLimit",
    "RateLimited",
    "Response",
    "RetryPolicy",
    "Timeouts",
    "Unauthorized",
    "Unprocessable",
    "make_app_jwt",
    "normalize_api_url",
]
