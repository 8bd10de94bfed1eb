"""The double's request pipeline: route, inject faults, authenticate, rate-limit, validate, answer, record.

Every answer carries GitHub's headers (rate limits, ETag on GETs, Date from the double's clock). A 304
for a matching ``If-None-Match`` does not cost rate limit, nor does ``GET /rate_limit``. Request
bodies that break the operation's schema get GitHub's 422; responses that break the documented schema
are the double's own bug: they become a 500 and are listed in ``double.violations``.
"""

from __future__ import annotations

import hashlib
import json
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request as WRequest

from tests.github_double import oauth, registration
from tests.github_double.credentials import authenticate
from tests.github_double.routing import DOCS, HttpError, Identity, Reply, Request, Route

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from tests.github_double.double import GitHubDouble

API_VERSIONS = ("2022-11-28",)
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
FREE_OPERATIONS = ("rate-limit/get",)
JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Call:
    """One request the double received and the status it answered (0: connection dropped)."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    operation_id: str | None
    template: str | None
    auth: str
    headers: dict[str, str]
    at: float = 0.0  # when the request arrived, on the double's clock


@dataclass
class Outcome:
    reply: Reply | None
    route: Route | None
    identity: Identity | None
    body: Any = None


def error_reply(err: HttpError, documentation_url: str = DOCS) -> Reply:
    extra = dict(err.extra)
    body = {"message": err.message, "documentation_url": extra.pop("documentation_url", documentation_url)}
    return Reply(err.status, body | extra | {"status": str(err.status)}, dict(err.headers))


def etag_of(data: bytes) -> str:
    return 'W/"' + hashlib.sha256(data).hexdigest()[:40] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") in (wanted, "*") for tag in header.split(","))


class Pipeline:
    """The WSGI application of one double."""

    def __init__(self, double: GitHubDouble) -> None:
        self.double = double

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        wreq = WRequest(environ)
        environ["github_double.arrived"] = self.double.now()
        page = registration.web_reply(self.double, wreq) or oauth.web_reply(self.double, wreq)
        if page is not None:
            self.record(wreq, Outcome(None, None, None), page.status_code)
            return page(environ, start_response)
        outcome = self.handle(wreq)
        reply = outcome.reply
        if reply is None:
            self.record(wreq, outcome, 0)
            start_response("500 Internal Server Error", [])
            environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
            return [b""]
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
        headers = self.headers(wreq, outcome, data)
        if (
            wreq.method == "GET"
            and reply.status == 200
            and etag_matches(wreq.headers.get("If-None-Match"), headers["ETag"])
        ):
            reply, data = Reply(304, None), b""
        elif not self.is_free(outcome):
            self.spend(outcome)
        headers |= self.double.rate_limits.headers(self.identity_key(outcome), self.double.now())
        headers |= reply.headers
        if reply.status == 304:
            headers.pop("Content-Type", None)
        self.record(wreq, outcome, reply.status)
        start_response(f"{reply.status} {HTTP_STATUS_CODES.get(reply.status, '')}", list(headers.items()))
        return [data]

    def handle(self, wreq: WRequest) -> Outcome:
        prefix = self.double.prefix
        path = wreq.path
        matched = (
            self.double.router.match(wreq.method, path[len(prefix) :]) if path.startswith(prefix) else None
        )
        if matched is None:
            return Outcome(error_reply(HttpError(404, "Not Found")), None, None)
        route, params = matched
        identity = self.soft_identity(wreq, route)
        fault = self.double.faults.take(wreq.method, route.operation.template)
        if fault is not None and fault.kind == "drop":
            return Outcome(None, route, identity)
        if fault is not None and fault.kind == "delay":
            self.double.wait(fault.seconds)
        if fault is not None and fault.reply is not None:
            reply = fault.reply
            if fault.reset_in is not None:
                reset = str(int(self.double.now() + fault.reset_in))
                reply = Reply(reply.status, reply.body, {**reply.headers, "x-ratelimit-reset": reset})
            return Outcome(reply, route, identity)
        try:
            return self.run(wreq, route, params)
        except HttpError as err:
            return Outcome(error_reply(err, route.operation.documentation_url), route, identity)

    def soft_identity(self, wreq: WRequest, route: Route) -> Identity | None:
        with self.double.state.lock:
            try:
                return authenticate(
                    self.double.state, wreq.headers.get("Authorization"), route.auth, self.double.now()
                )
            except HttpError:
                return None

    def run(self, wreq: WRequest, route: Route, params: dict[str, str]) -> Outcome:
        double = self.double
        version = wreq.headers.get("X-GitHub-Api-Version")
        if version is not None and version not in API_VERSIONS:
            raise HttpError(400, f"Invalid API version: {version}")
        with double.state.lock:
            identity = authenticate(double.state, wreq.headers.get("Authorization"), route.auth, double.now())
        self.check_budget(identity, route)
        body = self.parse_body(wreq, route)
        request = Request(
            double,
            route.operation,
            wreq.method,
            wreq.path[len(double.prefix) :],
            params,
            dict(wreq.args.items()),
            body,
            identity,
        )
        with double.state.lock:
            reply = route.handler(request)
        if double.validate_responses:
            reply = self.checked(route, reply)
        return Outcome(reply, route, identity, body)

    def check_budget(self, identity: Identity, route: Route) -> None:
        if route.operation.operation_id in FREE_OPERATIONS or identity.kind == "anonymous":
            return
        budget = self.double.rate_limits.budget(identity.key, self.double.now())
        if budget.remaining == 0:
            who = f"installation ID {identity.installation_id}" if identity.kind == "installation" else "app"
            raise HttpError(403, f"API rate limit exceeded for {who}.", documentation_url=RATE_LIMIT_DOCS)

    def parse_body(self, wreq: WRequest, route: Route) -> Any:
        raw = wreq.get_data()
        body = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise HttpError(400, "Problems parsing JSON") from None
        errors = self.double.api.request_errors(route.operation.operation_id, body)
        if errors:
            message = "Invalid request.\n\n" + "\n".join(errors)
            raise HttpError(422, message, documentation_url=route.operation.documentation_url)
        return body

    def checked(self, route: Route, reply: Reply) -> Reply:
        """The reply, or a 500 naming the problem when it breaks GitHub's documented response schema."""
        errors = self.double.api.response_errors(route.operation.operation_id, reply.status, reply.body)
        if not errors:
            return reply
        problem = f"{route.operation.operation_id} {reply.status}: " + "; ".join(errors)
        self.double.violations.append(problem)
        return Reply(500, {"message": f"github double bug: {problem}", "documentation_url": DOCS})

    def headers(self, wreq: WRequest, outcome: Outcome, data: bytes) -> dict[str, str]:
        headers = {
            "Content-Type": JSON_TYPE,
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": API_VERSIONS[0],
            "X-GitHub-Request-Id": uuid.uuid4().hex[:20].upper(),
            "Content-Length": str(len(data)),
        }
        if wreq.method == "GET" and outcome.reply is not None and outcome.reply.status == 200:
            headers["ETag"] = etag_of(data)
        return headers

    def identity_key(self, outcome: Outcome) -> str:
        return outcome.identity.key if outcome.identity else "anonymous"

    def is_free(self, outcome: Outcome) -> bool:
        operation = outcome.route.operation.operation_id if outcome.route else None
        return operation in FREE_OPERATIONS or outcome.identity is None

    def spend(self, outcome: Outcome) -> None:
        self.double.rate_limits.spend(self.identity_key(outcome), self.double.now())

    def record(self, wreq: WRequest, outcome: Outcome, status: int) -> None:
        body = outcome.body
        if body is None and wreq.get_data():
            try:
                body = json.loads(wreq.get_data())
            except ValueError:
                body = wreq.get_data(as_text=True)
        operation = outcome.route.operation if outcome.route else None
        self.double.record(
            Call(
                method=wreq.method,
                path=wreq.path[len(self.double.prefix) :],
                query=dict(wreq.args.items()),
                body=body,
                status=status,
                operation_id=operation.operation_id if operation else None,
                template=operation.template if operation else None,
                auth=self.identity_key(outcome) if outcome.identity else "none",
                headers={k.lower(): v for k, v in wreq.headers.items()},
                at=float(wreq.environ.get("github_double.arrived", self.double.now())),
            )
        )
