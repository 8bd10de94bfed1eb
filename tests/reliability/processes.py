"""The guard as deployed, as real processes the fault suite can SIGKILL: a web process and workers.

``GuardProcesses`` starts ``gunicorn app:app`` (with the project's gunicorn.conf.py) or ``guard serve``
and any number of ``guard worker`` processes on one database, with the App's credentials pointed at the
GitHub double, short leases and a short recovery interval, each in its own process group so a kill
takes the whole process (gunicorn's master and its workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Proc:
    role: str
    command: list[str]
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None


@dataclass
class GuardProcesses:
    """Guard processes sharing ``database_url``; ``web`` is ``gunicorn`` or ``serve``."""

    double: GitHubDouble
    app: TestApp
    database_url: str
    workdir: Path
    web: str = "gunicorn"
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)

    def env(self, port: int | None = None) -> dict[str, str]:
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("GUARD_", "PROMETHEUS_", "WEBHOOK_"))
        }
        for name in ("APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "DATABASE_URL", "PORT"):
            base.pop(name, None)
        return base | {
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "APP_ID": str(self.app.app_id),
            "PRIVATE_KEY": self.app.private_key_pem,
            "GITHUB_API_URL": self.double.base_url,
            "GUARD_ENV_FILE": str(self.workdir / ".env"),
            "GUARD_DATA_DIR": str(self.workdir / "data"),
            "GUARD_LEASE_SECONDS": "5",
            "GUARD_RECOVERY_SECONDS": "5",
            "GUARD_WORKER_THREADS": "2",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "LOG_FORMAT": "json",
            "GUARD_HOST": "127.0.0.1",
            **({"PORT": str(port)} if port else {}),
            **self.extra_env,
        }

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "guard", "migrate"],
            cwd=ROOT,
            env=self.env(),
            check=True,
            capture_output=True,
        )

    def add_web(self) -> Proc:
        port = free_port()
        command = (
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"]
            if self.web == "gunicorn"
            else [sys.executable, "-m", "guard", "serve", "--port", str(port)]
        )
        proc = Proc("web", command, port)
        self.procs.append(proc)
        self.start(proc)
        return proc

    def add_worker(self) -> Proc:
        proc = Proc("worker", [sys.executable, "-m", "guard", "worker"])
        self.procs.append(proc)
        self.start(proc)
        return proc

    def start(self, proc: Proc) -> None:
        log = (self.workdir / f"{proc.role}.log").open("ab")
        proc.popen = subprocess.Popen(
            proc.command, cwd=ROOT, env=self.env(proc.port), stdout=log, stderr=log, start_new_session=True
        )
        if proc.port is not None:
            wait_ready(proc)

    def kill(self, proc: Proc) -> None:
        """SIGKILL the whole process group: nothing gets to finish or clean up."""
        assert proc.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(timeout=30)

    def url(self, proc: Proc) -> str:
        return f"http://127.0.0.1:{proc.port}/api/github/webhooks"

    def stop(self) -> None:
        for proc in self.procs:
            if proc.popen is not None and proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        for proc in self.procs:
            if proc.popen is None:
                continue
            try:
                proc.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait(timeout=10)

    def __enter__(self) -> GuardProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_ready(proc: Proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.popen is not None
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.command} exited with {proc.popen.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"http://127.0.0.1:{proc.port}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{proc.command} did not answer /healthz within {timeout} s")
