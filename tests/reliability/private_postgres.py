"""A PostgreSQL cluster of the test's own (initdb into a temporary directory, its own port), to restart.

The machine's server on 5432 is shared by everything else and is never stopped; this one belongs to the
test alone. As root, the server runs as the ``postgres`` user (``runuser``), as PostgreSQL requires.
Where ``initdb`` is not installed the test is skipped with the reason, and fails instead in CI
(``GUARD_REQUIRE_POSTGRES=1``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.reliability.processes import free_port


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory (Debian's layout first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def bin_or_skip() -> Path:
    found = binaries()
    if found is not None:
        return found
    reason = "initdb is not installed (Debian: apt-get install postgresql), so no private cluster can run"
    if os.environ.get("GUARD_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason + " (GUARD_REQUIRE_POSTGRES=1)")
    pytest.skip(reason)


class PrivatePostgres:
    """``start``, ``stop`` (``immediate``: as if the server crashed) and ``restart`` one private cluster."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="guard-private-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def initialise(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        return self.start()

    def start(self) -> PrivatePostgres:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
