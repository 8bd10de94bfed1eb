"""Routes of the double: an OpenAPI operation bound to a handler, matched by the operation's path template.

A route module (``routes/<area>.py``) has ``register(router)`` that calls ``router.add(operation_id,
handler, auth=...)``; the method and path come from the vendored OpenAPI description, so a route exists
only for an operation GitHub documents. Handlers take a ``Request`` and return a ``Reply`` or raise
``HttpError``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tests.github_double.schema import OpenApi, Operation
from tests.github_double.state import AppRecord, Installation, Repo, State, Token

if TYPE_CHECKING:
    from tests.github_double.double import GitHubDouble

AuthKind = Literal["app", "installation", "user", "client", "any"]
LEVELS = {"read": 1, "write": 2, "admin": 3}
DOCS = "https://docs.github.com/rest"


class HttpError(Exception):
    """An error answer in GitHub's shape: ``{"message", "documentation_url", "status", ...extra}``."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Identity:
    """Who a request authenticated as: the App (JWT), an installation (token) or nobody."""

    kind: Literal["app", "installation", "user", "client", "anonymous"]
    installation_id: int | None = None
    token: Token | None = None
    login: str | None = None

    @property
    def key(self) -> str:
        """The rate-limit bucket and the ``auth`` of a call: ``app``, ``installation:ID``, ``user:LOGIN``."""
        if self.kind == "installation":
            return f"installation:{self.installation_id}"
        return f"user:{self.login}" if self.kind == "user" else self.kind


@dataclass
class Request:
    """What a handler sees: the matched operation, parameters, parsed body and the caller."""

    double: GitHubDouble
    operation: Operation
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    identity: Identity

    @property
    def state(self) -> State:
        return self.double.state

    @property
    def api(self) -> str:
        return self.double.base_url

    def error(self, status: int, message: str, **extra: Any) -> HttpError:
        """An ``HttpError`` whose documentation_url is this operation's."""
        return HttpError(status, message, documentation_url=self.operation.documentation_url, **extra)

    def app(self) -> AppRecord:
        if self.state.app is None:
            raise self.error(404, "Integration not found")
        return self.state.app

    def installation(self) -> Installation:
        installation_id = self.identity.installation_id
        if installation_id is None or installation_id not in self.state.installations:
            raise self.error(404, "Not Found")
        return self.state.installations[installation_id]

    def can_see(self, repo: Repo) -> bool:
        """Whether the calling installation token covers ``repo``."""
        token = self.identity.token
        if token is None:
            return False
        installation = self.state.installations[token.installation_id]
        if installation.account.id != repo.owner.id:
            return False
        if installation.repository_selection == "selected" and repo.id not in installation.repository_ids:
            return False
        return token.repository_ids is None or repo.id in token.repository_ids

    def repo(self) -> Repo:
        """The ``{owner}/{repo}`` of the path; 404 unless the token can see it, as GitHub answers."""
        repo = self.state.repo(f"{self.params['owner']}/{self.params['repo']}")
        if repo is None or not self.can_see(repo):
            raise self.error(404, "Not Found")
        return repo

    def require(self, permission: str, level: str = "read") -> None:
        """403 unless the token grants ``permission`` at ``level`` or above."""
        token = self.identity.token
        granted = (
            "read" if permission == "metadata" else (token.permissions.get(permission) if token else None)
        )
        if granted is None or LEVELS[granted] < LEVELS[level]:
            raise self.error(403, "Resource not accessible by integration")

    def int_param(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise self.error(404, "Not Found")
        return int(value)


Handler = Callable[[Request], Reply]


@dataclass(frozen=True)
class Route:
    operation: Operation
    handler: Handler
    auth: AuthKind
    pattern: re.Pattern[str]


def template_pattern(operation: Operation) -> re.Pattern[str]:
    """A regex for the operation's path; ``x-multi-segment`` parameters may contain slashes."""
    multi = {p["name"] for p in operation.parameters if p.get("in") == "path" and p.get("x-multi-segment")}
    parts = re.split(r"\{([^}]+)\}", operation.template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{'.+' if part in multi else '[^/]+'})"
        for i, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


class Router:
    """The table of routes, most specific template first."""

    def __init__(self, api: OpenApi) -> None:
        self.api = api
        self.routes: list[Route] = []

    def add(self, operation_id: str, handler: Handler, *, auth: AuthKind = "installation") -> None:
        operation = self.api.operation(operation_id)
        if any(r.operation.operation_id == operation_id for r in self.routes):
            raise ValueError(f"{operation_id} is already routed")
        self.routes.append(Route(operation, handler, auth, template_pattern(operation)))
        self.routes.sort(key=lambda r: -len(re.sub(r"\{[^}]+\}", "", r.operation.template)))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.operation.method != method:
                continue
            found = route.pattern.match(path)
            if found:
                return route, found.groupdict()
        return None

    def find(self, method: str, template: str) -> Route:
        """The route for ``method`` and an OpenAPI path template; ValueError names the known ones."""
        for route in self.routes:
            if route.operation.method == method.upper() and route.operation.template == template:
                return route
        known = ", ".join(sorted(f"{r.operation.method} {r.operation.template}" for r in self.routes))
        raise ValueError(f"the double has no route {method.upper()} {template}; routes: {known}")


def paginated(request: Request, items: Sequence[Any], *, key: str | None = None, **extra: Any) -> Reply:
    """One page of ``items`` (``per_page`` ≤ 100, ``page`` from 1) with GitHub's Link header."""
    per_page = max(1, min(100, _positive(request.query.get("per_page"), 30)))
    page = _positive(request.query.get("page"), 1)
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
        if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
            links.append(f'<{_page_url(request, number, per_page)}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if links else {}
    body: Any = chunk if key is None else {"total_count": len(items), key: chunk, **extra}
    return Reply(200, body, headers)


def _positive(text: str | None, default: int) -> int:
    return int(text) if text is not None and text.isdigit() and int(text) > 0 else default


def _page_url(request: Request, page: int, per_page: int) -> str:
    query = dict(request.query) | {"per_page": str(per_page), "page": str(page)}
    return f"{request.api}{urllib.parse.quote(request.path)}?{urllib.parse.urlencode(query)}"
