"""HTTP to the GitHub REST API: timeouts, bounded retries, conditional GETs, rate-limit holds, logging.

Retry rule. GET, HEAD, PUT and DELETE are idempotent: they are retried on 5xx answers, timeouts and
connection errors. POST and PATCH may already have taken effect when an answer is lost (a check run
created twice, annotations appended twice), so they are retried only when the connection could not be
made at all, i.e. nothing was sent; a caller that knows its POST is safe to repeat passes
``idempotent=True``. Every retry sleeps with exponential backoff and full jitter, within a bounded number
of attempts and a bounded total time; rate limits are never slept on, they raise ``RateLimited``.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import requests
import requests.auth
import structlog
from urllib3.exceptions import ConnectTimeoutError

from guard import metrics
from guard.github.errors import GitHubError, GitHubUnavailable, RateLimited, error_for
from guard.github.etags import EtagCache
from guard.github.ratelimit import RateLimitBook

API_VERSION = "2022-11-28"
ACCEPT = "application/vnd.github+json"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
UNHELD_PATHS = frozenset({"/rate_limit"})

log = structlog.get_logger("guard.github")


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and between bytes of an answer."""

    connect: float = 5.0
    read: float = 10.0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: at most ``attempts`` tries, and no new try after ``budget`` seconds."""

    attempts: int = 3
    base_delay: float = 0.25
    max_delay: float = 2.0
    budget: float = 5.0

    def delay(self, attempt: int) -> float:
        """Full-jitter exponential backoff before try ``attempt + 1``."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))  # noqa: S311


@dataclass(frozen=True)
class Response:
    """A successful answer: parsed JSON ``data``, lower-case ``headers``, ``links`` by rel."""

    status: int
    data: Any = field(repr=False)
    headers: Mapping[str, str] = field(repr=False)
    etag: str | None = None
    links: Mapping[str, str] = field(default_factory=dict, repr=False)
    from_cache: bool = False


class Identity(Protocol):
    """Who a request is made as: supplies the Authorization header and reacts to a 401."""

    @property
    def key(self) -> str: ...

    def authorization(self) -> tuple[str, object]:
        """The header value and a handle passed back to ``retry_unauthorized``."""

    def retry_unauthorized(self, answer: requests.Response, handle: object) -> bool:
        """Whether one more try may succeed after this 401 (after any repair it made)."""


class _Authorization(requests.auth.AuthBase):
    """Sets the Authorization header; as an auth object it also keeps ``~/.netrc`` from replacing it."""

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "<Authorization redacted>"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._value
        return request


@dataclass(frozen=True)
class _Outgoing:
    identity: Identity
    method: str
    url: str
    headers: dict[str, str]
    auth: _Authorization
    body: Any


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never established, so the request cannot have reached GitHub."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, ConnectTimeoutError)


def _lower(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({k.lower(): v for k, v in headers.items()})


class Transport:
    """One connection pool, ETag cache and rate-limit book shared by every identity."""

    def __init__(
        self,
        *,
        api_url: str,
        user_agent: str,
        timeouts: Timeouts,
        retry: RetryPolicy,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        session: requests.Session,
        etags: EtagCache[Response],
        book: RateLimitBook,
    ) -> None:
        self.api_url = api_url
        self.user_agent = user_agent
        self.timeouts = timeouts
        self.retry = retry
        self.clock = clock
        self.sleep = sleep
        self.session = session
        self.etags = etags
        self.book = book

    def url_for(self, path_or_url: str) -> str:
        """An absolute URL under the API root; refuses any other origin so credentials stay with GitHub."""
        if path_or_url.startswith("/"):
            return self.api_url + path_or_url
        if path_or_url.startswith(self.api_url + "/"):
            return path_or_url
        raise ValueError(f"refusing to send GitHub credentials to {path_or_url!r}: not under {self.api_url}")

    def route(self, url: str) -> str:
        """The path relative to the API root, without the query: what logs show."""
        return urllib.parse.urlsplit(url[len(self.api_url) :]).path or "/"

    def request(
        self,
        identity: Identity,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        reserve: float = 0.0,
    ) -> Response:
        """Send one API request as ``identity`` and return the answer, or raise a ``GitHubError``.

        With ``reserve`` (a fraction), the request is refused with ``RateLimited`` while the identity's
        last known headroom is below that fraction of its limit, until the reset (nothing is sent).
        """
        url = self.url_for(path_or_url)
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(sorted(params.items()))}"
        if self._held(url):
            self.book.check(identity.key, self.clock())
            if reserve:
                self.book.check_reserve(identity.key, reserve, self.clock())
        cached = self.etags.get(identity.key, url) if method == "GET" else None
        retryable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        for tries_left in (1, 0):
            authorization, handle = identity.authorization()
            outgoing = _Outgoing(
                identity, method, url, self._headers(cached), _Authorization(authorization), json
            )
            answer = self._send(outgoing, retryable)
            if answer.status_code != 401 or not tries_left or not identity.retry_unauthorized(answer, handle):
                break
        return self._finish(identity, method, url, answer, cached)

    def _held(self, url: str) -> bool:
        """Whether a rate-limit hold stops this request (``/rate_limit`` itself is always allowed)."""
        return self.route(url) not in UNHELD_PATHS

    def _headers(self, cached: Response | None) -> dict[str, str]:
        headers = {"Accept": ACCEPT, "X-GitHub-Api-Version": API_VERSION, "User-Agent": self.user_agent}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        return headers

    def _send(self, outgoing: _Outgoing, retryable: bool) -> requests.Response:
        """One logical request with bounded retries; the last 5xx answer is returned, not raised.

        Retries start only within the budget and their timeouts are cut to what is left of it, so a
        request takes at most its first attempt's timeouts plus ``retry.budget`` seconds. No retry is
        sent while a rate-limit hold on the identity is in force: ``RateLimited`` is raised instead.
        """
        what = f"{outgoing.method} {self.route(outgoing.url)}"
        started = time.monotonic()
        timeouts = (self.timeouts.connect, self.timeouts.read)
        attempt = 1
        while True:
            try:
                answer = self._attempt(outgoing, attempt, timeouts)
                if answer.status_code < 500 or not retryable:
                    return answer
                failure = f"HTTP {answer.status_code}"
            except requests.RequestException as exc:
                if not (retryable or _never_sent(exc)):
                    raise GitHubUnavailable(None, f"{what} failed: {type(exc).__name__}") from exc
                answer, failure = None, type(exc).__name__
            delay = self.retry.delay(attempt)
            left = self.retry.budget - (time.monotonic() - started) - delay
            if attempt >= self.retry.attempts or left <= 0:
                if answer is not None:
                    return answer
                raise GitHubUnavailable(None, f"{what} failed {attempt} times, last: {failure}")
            self.sleep(delay)
            if self._held(outgoing.url):
                self.book.check(outgoing.identity.key, self.clock())  # a limit met while we slept
            timeouts = (min(self.timeouts.connect, left), min(self.timeouts.read, left))
            attempt += 1

    def _attempt(self, outgoing: _Outgoing, attempt: int, timeouts: tuple[float, float]) -> requests.Response:
        """One HTTP exchange, logged with its status, duration and rate-limit headroom."""
        key = outgoing.identity.key
        fields = {
            "method": outgoing.method,
            "path": self.route(outgoing.url),
            "identity": key,
            "attempt": attempt,
        }
        started = time.monotonic()
        try:
            answer = self.session.request(
                outgoing.method,
                outgoing.url,
                headers=outgoing.headers,
                auth=outgoing.auth,
                json=outgoing.body,
                timeout=timeouts,
            )
        except requests.RequestException as exc:
            duration = round((time.monotonic() - started) * 1000, 1)
            log.warning("github.request.failed", **fields, error=type(exc).__name__, duration_ms=duration)
            metrics.github_answered(outgoing.method, None)
            raise
        # A 401 carries the anonymous budget, not this identity's: don't let it overwrite the headroom.
        headers = _lower(answer.headers)
        limit = None if answer.status_code == 401 else self.book.observe(key, headers, self.clock())
        metrics.github_answered(outgoing.method, answer.status_code)
        if limit is not None:
            metrics.rate_limit_seen(key, limit)
        log.log(
            logging.WARNING if answer.status_code >= 500 else logging.INFO,
            "github.request",
            **fields,
            status=answer.status_code,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            ratelimit_remaining=limit.remaining if limit else None,
            ratelimit_limit=limit.limit if limit else None,
            ratelimit_resource=limit.resource if limit else None,
        )
        return answer

    def _finish(
        self, identity: Identity, method: str, url: str, answer: requests.Response, cached: Response | None
    ) -> Response:
        headers = _lower(answer.headers)
        if answer.status_code == 304 and cached is not None:
            merged = MappingProxyType({**cached.headers, **headers})
            return dataclasses.replace(cached, headers=merged, from_cache=True)
        data = self._json(answer)
        if answer.status_code >= 400 or answer.status_code == 304:
            error = error_for(answer.status_code, data, headers, self.clock())
            if isinstance(error, RateLimited):
                self.book.hold(identity.key, error)
            raise error
        links = {rel: link["url"] for rel, link in answer.links.items() if "url" in link}
        response = Response(answer.status_code, data, headers, headers.get("etag"), links)
        if method == "GET" and response.etag:
            self.etags.put(identity.key, url, response)
        return response

    @staticmethod
    def _json(answer: requests.Response) -> Any:
        if not answer.content:
            return None
        try:
            return answer.json()
        except ValueError:
            if answer.status_code >= 400:
                return None
            raise GitHubError(answer.status_code, "GitHub answered with a body that is not JSON") from None
