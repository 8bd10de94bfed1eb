"""One SQLite writer at a time across threads and processes, queued by the kernel instead of by sleeping.

SQLite lets one transaction write at a time; a second writer waits in its busy handler, which polls with
sleeps of up to 100 ms. With the receiver's threads, several gunicorn processes and the workers all
writing, those sleeps dominate the time to answer GitHub. Writers therefore queue first on a lock in the
process and then on ``flock`` of a file beside the database: the kernel hands the lock over the moment it
is released, and a process that dies holding it releases it. The busy timeout stays as the backstop for
writers that do not queue here (an operator's ``sqlite3`` shell, an old process during an upgrade).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WAIT_SECONDS = 30.0  # the same bound as SQLite's busy timeout


class WriterQueueTimeout(RuntimeError):
    """This process's writers did not get their turn within ``WAIT_SECONDS``."""


class WriterQueue:
    """Turns for the writers of one SQLite database file."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + "-writer.lock")
        self._turn = threading.Lock()
        self._held = threading.local()
        self._fd: int | None = None
        self._pid = os.getpid()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the database's write turn for the block; a thread that holds it already just goes on."""
        if getattr(self._held, "turn", False):
            yield
            return
        if not self._turn.acquire(timeout=WAIT_SECONDS):
            raise WriterQueueTimeout(f"no write turn on {self.path.name} within {WAIT_SECONDS:.0f} s")
        try:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._held.turn = True
            try:
                yield
            finally:
                self._held.turn = False
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._turn.release()

    def _open(self) -> int:
        """The lock file's descriptor, opened once per process (after a fork, opened again)."""
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None
