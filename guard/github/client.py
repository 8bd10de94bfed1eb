"""The GitHub App client: ``GitHub(...).app()`` acts as the App, ``.installation(id)`` as one installation.

PyGithub (2.x) is deliberately not used: its default ``GithubRetry`` sleeps until a rate limit resets
and retries POSTs on 5xx, it has no ETag cache shared across calls, and its token minting cannot narrow
a token to repositories. A worker that must never block on a limit and must not duplicate writes needs
the opposite on each point, which plain ``requests`` over the REST API gives here.
"""

from __future__ import annotations

import datetime
import ipaddress
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from requests.adapters import HTTPAdapter

from guard.github.auth import AppJwt, InstallationToken, InstallationTokens
from guard.github.errors import GitHubError, server_time
from guard.github.etags import DEFAULT_SIZE, EtagCache
from guard.github.ratelimit import RateLimit, RateLimitBook
from guard.github.transport import Response, RetryPolicy, Timeouts, Transport

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_USER_AGENT = "pipeline-guard"
JWT_CLOCK_MESSAGES = ("'Expiration time' claim", "'Issued at' claim")
REPLICATION_WINDOW = 5.0
REPLICATION_WAIT = 1.0


def normalize_api_url(api_url: str) -> str:
    """``GITHUB_API_URL`` without a trailing slash; plain http only for loopback (tests, local doubles)."""
    parts = urllib.parse.urlsplit(api_url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"GITHUB_API_URL must be an http(s) URL, got {api_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"GITHUB_API_URL must not carry a query or fragment, got {api_url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError(f"GITHUB_API_URL must use https (tokens would travel in clear text): {api_url!r}")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _message(answer: requests.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


class AppIdentity:
    """Requests as the App, with a JWT; a 401 for a clock claim resyncs with GitHub's ``Date`` once."""

    key = "app"

    def __init__(self, jwt: AppJwt) -> None:
        self._jwt = jwt

    def authorization(self) -> tuple[str, object]:
        return f"Bearer {self._jwt.token()}", None

    def retry_unauthorized(self, answer: requests.Response, handle: object) -> bool:
        their_now = server_time({k.lower(): v for k, v in answer.headers.items()})
        if their_now is None or not _message(answer).startswith(JWT_CLOCK_MESSAGES):
            return False
        self._jwt.resync(their_now)
        return True


class InstallationIdentity:
    """Requests as one installation, with its cached token."""

    def __init__(
        self,
        installation_id: int,
        tokens: InstallationTokens,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.installation_id = installation_id
        self.key = f"installation:{installation_id}"
        self._tokens = tokens
        self._clock = clock
        self._sleep = sleep

    def authorization(self) -> tuple[str, object]:
        token = self._tokens.get(self.installation_id)
        return f"Bearer {token.value}", token

    def retry_unauthorized(self, answer: requests.Response, handle: object) -> bool:
        """A fresh token may not have replicated yet: wait a second. An older one was revoked: replace it."""
        if not isinstance(handle, InstallationToken):
            return False
        if self._clock() - handle.minted_at < REPLICATION_WINDOW:
            self._sleep(REPLICATION_WAIT)
        else:
            self._tokens.invalidate(self.installation_id, handle)
        return True


class Client:
    """REST calls as one identity; ``path`` is relative to the API root, e.g. ``/repos/acme/app``."""

    def __init__(
        self, transport: Transport, identity: AppIdentity | InstallationIdentity, reserve: float = 0.0
    ) -> None:
        self._transport = transport
        self._identity = identity
        self._reserve = reserve

    def __repr__(self) -> str:
        return f"<github.Client {self._identity.key} at {self._transport.api_url}>"

    def reserving(self, fraction: float) -> Client:
        """The same identity, refusing requests (``RateLimited``) while headroom is below ``fraction``."""
        return Client(self._transport, self._identity, fraction)

    def _request(self, method: str, path: str, **options: Any) -> Response:
        return self._transport.request(self._identity, method, path, reserve=self._reserve, **options)

    @property
    def identity(self) -> str:
        """``app`` or ``installation:<id>``: the key of logs and rate-limit headroom."""
        return self._identity.key

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        """A conditional GET: a 304 for the cached ETag returns the cached answer (``from_cache``)."""
        return self._request("GET", path, params=params)

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, item_key: str | None = None
    ) -> Iterator[Any]:
        """Every item of a listing, following ``Link: rel="next"``; ``item_key`` for wrapped lists."""
        response = self.get(path, {"per_page": 100, **(params or {})})
        while True:
            data = response.data
            items = data if item_key is None else (data.get(item_key) if isinstance(data, dict) else None)
            if not isinstance(items, list):
                where = f"a list under {item_key!r}" if item_key else "a list"
                raise GitHubError(response.status, f"{path} did not answer with {where}")
            yield from items
            next_url = response.links.get("next")
            if not next_url:
                return
            response = self._request("GET", next_url)

    def post(self, path: str, json: Any = None, *, idempotent: bool = False) -> Response:
        return self._request("POST", path, json=json, idempotent=idempotent)

    def patch(self, path: str, json: Any = None, *, idempotent: bool = False) -> Response:
        return self._request("PATCH", path, json=json, idempotent=idempotent)

    def put(self, path: str, json: Any = None) -> Response:
        return self._request("PUT", path, json=json)

    def delete(self, path: str, json: Any = None) -> Response:
        return self._request("DELETE", path, json=json)

    def rate_limit(self, resource: str = "core") -> RateLimit | None:
        """The headroom GitHub announced on this identity's latest answer for ``resource``."""
        return self._transport.book.latest(self._identity.key, resource)


class GitHub:
    """Entry point: one connection pool, ETag cache, token cache and rate-limit book for the App.

    ``app_id`` is the App ID or its client ID (GitHub recommends the client ID as the JWT issuer);
    ``api_url`` is ``GITHUB_API_URL`` (``https://HOST/api/v3`` on GitHub Enterprise Server). One
    instance is meant to be shared by every thread of a process.
    """

    def __init__(
        self,
        *,
        app_id: str | int,
        private_key: str | RSAPrivateKey,
        api_url: str = DEFAULT_API_URL,
        user_agent: str = DEFAULT_USER_AGENT,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        etag_cache_size: int = DEFAULT_SIZE,
        pool_size: int = 32,
    ) -> None:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self._transport = Transport(
            api_url=normalize_api_url(api_url),
            user_agent=user_agent,
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            clock=clock,
            sleep=sleep,
            session=session,
            etags=EtagCache(etag_cache_size),
            book=RateLimitBook(),
        )
        self._clock = clock
        self._sleep = sleep
        self._app = Client(self._transport, AppIdentity(AppJwt(str(app_id), private_key, clock)))
        self._tokens = InstallationTokens(self._mint, clock)

    def __repr__(self) -> str:
        return f"<GitHub App at {self._transport.api_url}>"

    @property
    def api_url(self) -> str:
        return self._transport.api_url

    def app(self) -> Client:
        """The client authenticated as the App (JWT): ``/app``, installations, token minting."""
        return self._app

    def installation(self, installation_id: int) -> Client:
        """A client authenticated as one installation, with a cached, auto-refreshed token."""
        identity = InstallationIdentity(installation_id, self._tokens, self._clock, self._sleep)
        return Client(self._transport, identity)

    def rate_limits(self) -> dict[str, dict[str, RateLimit]]:
        """The latest headroom of every identity, per resource."""
        return self._transport.book.snapshot()

    def close(self) -> None:
        self._transport.session.close()

    def _mint(self, installation_id: int) -> InstallationToken:
        """Fetch a new installation token; its expiry is moved onto our clock via GitHub's ``Date``."""
        response = self._app.post(f"/app/installations/{installation_id}/access_tokens", idempotent=True)
        data = response.data if isinstance(response.data, dict) else {}
        value, expires = data.get("token"), data.get("expires_at")
        if not isinstance(value, str) or not isinstance(expires, str):
            raise GitHubError(response.status, "the installation token answer lacks token or expires_at")
        now = self._clock()
        expires_at = datetime.datetime.fromisoformat(expires.replace("Z", "+00:00")).timestamp()
        their_now = server_time(response.headers)
        return InstallationToken(
            value=value,
            expires_at=now + expires_at - (now if their_now is None else their_now),
            minted_at=now,
        )
