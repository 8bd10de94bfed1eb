"""``GitHubDouble``: a real HTTP server on loopback standing in for api.github.com in tests.

Arrange state with ``register_app``, ``add_installation``, ``add_repo``, ``put_file``, ``create_branch``;
inject faults with ``fail``, ``rate_limit_primary``, ``rate_limit_secondary``, ``delay`` and
``drop_connection``; read what the code under test did from ``calls`` and the state (``check_runs``).
Routes live in ``tests/github_double/routes/``, one module per API area.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.github_double.actions import ActionsMixin
from tests.github_double.faults import Fault, Faults
from tests.github_double.hook import Hook, HookMixin
from tests.github_double.people import PeopleMixin
from tests.github_double.pipeline import RATE_LIMIT_DOCS, Call, Pipeline
from tests.github_double.protection import ProtectionMixin
from tests.github_double.pulls import PullsMixin
from tests.github_double.ratelimits import Budget, RateLimits
from tests.github_double.registration import issue_code, manifest_problems
from tests.github_double.reviews import ReviewsMixin
from tests.github_double.routes import build_router
from tests.github_double.routing import DOCS, Reply
from tests.github_double.schema import openapi
from tests.github_double.state import (
    NAME,
    AppRecord,
    Blob,
    CheckRun,
    Installation,
    People,
    Repo,
    State,
    blob_sha,
)

DEFAULT_PERMISSIONS = {
    "actions": "read",
    "administration": "write",
    "checks": "write",
    "contents": "read",
    "metadata": "read",
    "pull_requests": "read",
}
DEFAULT_EVENTS = ["check_run", "pull_request", "push", "repository", "workflow_run"]
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you "
    "reach out to GitHub Support for help, please include the request ID."
)


class MovableClock:
    """Wall-clock time plus an offset that tests move forward with ``advance``."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class _Handler(WSGIRequestHandler):
    """Quiet, and dates answers with the double's (possibly skewed) clock."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        now: Callable[[], float] = getattr(self.server, "double_now", time.time)
        return email.utils.formatdate(now(), usegmt=True)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class GitHubDouble(PullsMixin, ReviewsMixin, HookMixin, ProtectionMixin, PeopleMixin, ActionsMixin):
    """The GitHub REST API for tests, over real HTTP on 127.0.0.1."""

    def __init__(
        self, *, clock: Callable[[], float] | None = None, prefix: str = "", validate_responses: bool = True
    ) -> None:
        self.api = openapi()
        self.router = build_router(self.api)
        self.state = State()
        self.hook = Hook()
        self.faults = Faults()
        self.rate_limits = RateLimits()
        self.clock: Callable[[], float] = clock or MovableClock()
        self.skew = 0.0
        self.prefix = prefix.rstrip("/")
        self.validate_responses = validate_responses
        self.violations: list[str] = []
        self._calls: list[Call] = []
        self._calls_lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> GitHubDouble:
        server = make_server("127.0.0.1", 0, Pipeline(self), threaded=True, request_handler=_Handler)
        server.double_now = self.now  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="github-double", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GitHubDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The API root to give a client, e.g. ``http://127.0.0.1:PORT`` (plus the prefix, if any)."""
        if self._server is None:
            raise RuntimeError("the double is not started")
        return f"http://127.0.0.1:{self._server.server_port}{self.prefix}"

    @property
    def web_url(self) -> str:
        """The web host (``https://github.com`` or a GHES host): the server's root, without the API prefix."""
        if self._server is None:
            raise RuntimeError("the double is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def manifest_code(
        self, manifest: dict[str, Any], *, owner: str = "acme", owner_type: str = "Organization"
    ) -> str:
        """A code as if ``owner`` had just created an App from ``manifest`` on the web."""
        problems = manifest_problems(self, manifest)
        if problems:
            raise ValueError("GitHub would refuse this manifest: " + "; ".join(problems))
        return issue_code(self, manifest, owner, owner_type)

    def now(self) -> float:
        """GitHub's clock: the shared clock plus the skew set by ``set_clock_skew``."""
        return self.clock() + self.skew

    def set_clock_skew(self, seconds: float) -> None:
        """Make GitHub's clock run ``seconds`` ahead of the tests' clock (negative: behind)."""
        self.skew = seconds

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # -- the App and its installations -------------------------------------------------------------
    def register_app(
        self,
        *,
        app_id: int,
        public_key_pem: str,
        slug: str = "pipeline-guard",
        name: str = "Pipeline Guard",
        client_id: str | None = None,
        owner: str = "guard-dev",
        permissions: dict[str, str] | None = None,
        events: list[str] | None = None,
        callback_urls: list[str] | None = None,
    ) -> AppRecord:
        with self.state.lock:
            self.state.app = AppRecord(
                id=app_id,
                slug=slug,
                name=name,
                client_id=client_id or f"Iv23li{app_id:014d}",
                owner=self.state.account(owner),
                public_key_pem=public_key_pem,
                permissions=dict(permissions or DEFAULT_PERMISSIONS),
                events=list(events or DEFAULT_EVENTS),
                callback_urls=list(callback_urls or []),
            )
            return self.state.app

    def add_installation(
        self,
        account: str,
        *,
        installation_id: int | None = None,
        account_type: str = "Organization",
        repository_selection: str = "all",
        permissions: dict[str, str] | None = None,
    ) -> Installation:
        """Install the App on ``account`` (all its repositories, or only those added while selected)."""
        with self.state.lock:
            app = self.state.app
            if app is None:
                raise RuntimeError("register_app first")
            owner = self.state.account(account, account_type)
            if self.state.installation_for(owner) is not None:
                raise ValueError(f"the App is already installed on {account}")
            installation = Installation(
                id=installation_id or self.state.next_id(),
                account=owner,
                permissions=dict(permissions or app.permissions),
                events=list(app.events),
                repository_selection=repository_selection,
            )
            self.state.installations[installation.id] = installation
            return installation

    def suspend(self, installation_id: int) -> None:
        with self.state.lock:
            self.state.installations[installation_id].suspended = True

    def revoke_tokens(self, installation_id: int) -> None:
        """Invalidate every token issued to the installation (as ``DELETE /installation/token`` does)."""
        with self.state.lock:
            for value in [v for v, t in self.state.tokens.items() if t.installation_id == installation_id]:
                del self.state.tokens[value]

    # -- repositories and files --------------------------------------------------------------------
    def add_repo(
        self,
        full_name: str,
        *,
        default_branch: str = "main",
        visibility: str = "private",
        files: dict[str, str | bytes] | None = None,
        installed: bool = True,
        archived: bool = False,
        fork: bool = False,
    ) -> Repo:
        """A repository whose default branch has one commit holding ``files``."""
        owner_login, _, name = full_name.partition("/")
        if not NAME.match(name):
            raise ValueError(f"not a valid repository name: {full_name!r}")
        with self.state.lock:
            if self.state.repo(full_name) is not None:
                raise ValueError(f"{full_name} already exists")
            owner = self.state.account(owner_login)
            repo = Repo(
                id=self.state.next_id(),
                owner=owner,
                name=name,
                default_branch=default_branch,
                visibility=visibility,
                archived=archived,
                fork=fork,
            )
            self.state.repos[full_name.lower()] = repo
            tree = {path: _blob(data) for path, data in (files or {}).items()}
            repo.refs[f"refs/heads/{default_branch}"] = self.state.commit(
                repo, None, tree, "Initial commit", date=self.now()
            ).sha
            installation = self.state.installation_for(owner)
            if installed and installation is not None:
                installation.repository_ids.add(repo.id)
            return repo

    def _repo(self, repo: Repo | str) -> Repo:
        found = self.state.repo(repo) if isinstance(repo, str) else repo
        if found is None:
            raise KeyError(f"no repository {repo}")
        return found

    def create_branch(self, repo: Repo | str, name: str, *, from_ref: str | None = None) -> str:
        """Create ``refs/heads/<name>`` at ``from_ref`` (default branch when None); return its SHA."""
        with self.state.lock:
            target = self._repo(repo)
            commit = target.resolve(from_ref)
            if commit is None:
                raise KeyError(f"{target.full_name} has no ref {from_ref}")
            target.refs[f"refs/heads/{name}"] = commit.sha
            return commit.sha

    def put_file(
        self,
        repo: Repo | str,
        ref: str,
        path: str,
        content: str | bytes,
        *,
        message: str | None = None,
        author: str | None = "contributor",
        committer: str | None = None,
        author_email: str | None = None,
        committer_email: str | None = None,
    ) -> str:
        """Commit ``content`` at ``path`` on branch ``ref`` (created from the default branch if new).

        ``author``/``committer`` are the logins the commit's emails link to (None with no email: an
        address linked to no account); the committer defaults to the author, emails to their noreply ones.
        """
        people = People(author, committer, author_email, committer_email)
        return self._change(repo, ref, {path: content}, message or f"Update {path}", people)

    def put_files(
        self, repo: Repo | str, ref: str, files: Mapping[str, str | bytes], *, author: str = "contributor"
    ) -> str:
        """Commit many files at once on branch ``ref``; return the new head SHA."""
        return self._change(repo, ref, dict(files), f"Update {len(files)} files", People(author))

    def delete_file(self, repo: Repo | str, ref: str, path: str, *, people: People | None = None) -> str:
        """Commit the removal of ``path`` on branch ``ref``; return the new head SHA."""
        return self._change(repo, ref, {path: None}, f"Delete {path}", people or People())

    def _change(
        self,
        repo: Repo | str,
        ref: str,
        changes: Mapping[str, str | bytes | None],
        message: str,
        people: People,
    ) -> str:
        with self.state.lock:
            target = self._repo(repo)
            branch = f"refs/heads/{ref.removeprefix('refs/heads/')}"
            if branch not in target.refs:
                self.create_branch(target, branch.removeprefix("refs/heads/"))
            parent = target.commits[target.refs[branch]]
            tree = dict(parent.tree)
            for path, content in changes.items():
                if content is None:
                    tree.pop(path.strip("/"), None)
                else:
                    tree[path.strip("/")] = _blob(content)
            commit = self.state.commit(target, parent, tree, message, people=people, date=self.now())
            target.refs[branch] = commit.sha
            return commit.sha

    def set_role(self, repo: Repo | str, login: str, role: str | None) -> None:
        """Give ``login`` a role on ``repo`` (admin, maintain, write, triage, read), or None to remove it."""
        with self.state.lock:
            roles = self._repo(repo).roles
            if role is None:
                roles.pop(login.lower(), None)
            else:
                roles[login.lower()] = role

    def head(self, repo: Repo | str, ref: str | None = None) -> str:
        """The SHA a ref names (default branch when None)."""
        with self.state.lock:
            target = self._repo(repo)
            commit = target.resolve(ref)
            if commit is None:
                raise KeyError(f"{target.full_name} has no ref {ref}")
            return commit.sha

    def check_runs(self, repo: Repo | str) -> list[CheckRun]:
        """The check runs created on ``repo``, oldest first."""
        with self.state.lock:
            target = self._repo(repo)
            return [run for run in self.state.check_runs.values() if run.repo_id == target.id]

    # -- rate limits -------------------------------------------------------------------------------
    def set_rate_limit(
        self, who: int | str, *, remaining: int, limit: int = 5000, reset_in: float = 3600
    ) -> None:
        """Set the primary budget of an installation id or ``"app"``; at 0 every call gets GitHub's 403."""
        self.rate_limits.set(_bucket(who), self.now(), remaining=remaining, limit=limit, reset_in=reset_in)

    def rate_limit(self, who: int | str) -> Budget:
        return self.rate_limits.budget(_bucket(who), self.now())

    # -- faults ------------------------------------------------------------------------------------
    def _fault(self, method: str, template: str, **kwargs: Any) -> None:
        if (method, template) == ("*", "*"):
            self.faults.add(Fault(method="*", template="*", **kwargs))
            return
        route = self.router.find(method, template)
        self.faults.add(Fault(method=route.operation.method, template=template, **kwargs))

    def fail(
        self,
        method: str,
        template: str,
        *,
        status: int = 502,
        times: int | None = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests (None: all) with ``status``."""
        reply_body = body if body is not None else {"message": "Server Error", "documentation_url": DOCS}
        reply = Reply(status, reply_body, dict(headers or {}))
        self._fault(method, template, kind="reply", times=times, reply=reply)

    def rate_limit_primary(
        self, method: str, template: str, *, times: int | None = 1, reset_in: float = 600, status: int = 403
    ) -> None:
        """GitHub's primary limit answer: remaining 0, reset ``reset_in`` seconds from now."""
        reset = int(self.now() + reset_in)
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "5000", "x-ratelimit-reset": str(reset)}
        body = {"message": "API rate limit exceeded for installation.", "documentation_url": RATE_LIMIT_DOCS}
        self._fault(method, template, kind="reply", times=times, reply=Reply(status, body, headers))

    def rate_limit_secondary(
        self,
        method: str,
        template: str,
        *,
        times: int | None = 1,
        retry_after: int | None = None,
        status: int = 403,
    ) -> None:
        """GitHub's secondary limit answer, with ``retry-after`` when given."""
        headers = {} if retry_after is None else {"retry-after": str(retry_after)}
        body = {"message": SECONDARY_MESSAGE, "documentation_url": RATE_LIMIT_DOCS}
        self._fault(method, template, kind="reply", times=times, reply=Reply(status, body, headers))

    def flaky(self, kind: str, *, chance: float, seconds: float = 0.0, status: int = 502) -> None:
        """Every route, by chance and for good: ``error`` (``status``), ``secondary`` (403 with
        ``retry-after: seconds``), ``primary`` (429, remaining 0, reset ``seconds`` after the answer),
        ``delay`` (answer after ``seconds``) or ``drop`` (close the connection unanswered)."""
        if kind == "error":
            reply = Reply(status, {"message": "Server Error", "documentation_url": DOCS})
            self._fault("*", "*", kind="reply", times=None, reply=reply, chance=chance)
            return
        if kind == "secondary":
            body = {"message": SECONDARY_MESSAGE, "documentation_url": RATE_LIMIT_DOCS}
            reply = Reply(403, body, {"retry-after": str(int(seconds))})
            self._fault("*", "*", kind="reply", times=None, reply=reply, chance=chance)
            return
        if kind == "primary":
            body = {
                "message": "API rate limit exceeded for installation.",
                "documentation_url": RATE_LIMIT_DOCS,
            }
            reply = Reply(429, body, {"x-ratelimit-remaining": "0"})
            self._fault("*", "*", kind="reply", times=None, reply=reply, chance=chance, reset_in=seconds)
            return
        fault_kind = {"delay": "delay", "drop": "drop"}[kind]
        self._fault("*", "*", kind=fault_kind, times=None, seconds=seconds, chance=chance)

    def delay(self, method: str, template: str, seconds: float, *, times: int | None = 1) -> None:
        """Hold matching requests ``seconds`` before answering normally."""
        self._fault(method, template, kind="delay", times=times, seconds=seconds)

    def drop_connection(self, method: str, template: str, *, times: int | None = 1) -> None:
        """Close the connection of matching requests without answering."""
        self._fault(method, template, kind="drop", times=times)

    # -- recorded calls ----------------------------------------------------------------------------
    def record(self, call: Call) -> None:
        with self._calls_lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        """Every request received so far, in arrival order."""
        with self._calls_lock:
            return list(self._calls)

    def calls_to(self, method: str, template: str) -> list[Call]:
        """The recorded requests for one route: ``calls_to("POST", "/repos/{owner}/{repo}/check-runs")``."""
        self.router.find(method, template)
        return [c for c in self.calls if c.method == method.upper() and c.template == template]

    def clear_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()


def _blob(content: str | bytes) -> Blob:
    data = content.encode() if isinstance(content, str) else content
    return Blob(sha=blob_sha(data), data=data)


def _bucket(who: int | str) -> str:
    return f"installation:{who}" if isinstance(who, int) else who
