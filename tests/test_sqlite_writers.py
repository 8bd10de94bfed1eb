"""SQLite writers take turns through a lock file: many threads and processes write without errors, and a
process killed while holding its turn does not stop the others."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from guard.db import Database, deliveries
from guard.inbox import Inbox, IncomingDelivery

HOLD_TURN = """
import sys, time
from guard.db import Database, deliveries
db = Database(sys.argv[1])
with db.write():
    print("holding", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "guard.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


def stored(url: str) -> int:
    with Database(url).read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(deliveries)).scalar_one())


def put(inbox: Inbox, delivery_id: str) -> None:
    inbox.put(IncomingDelivery(delivery_id=delivery_id, event="push", payload="{}", repository="acme/w"))


def test_sixteen_threads_of_two_processes_store_every_delivery(sqlite_url: str) -> None:
    inboxes = [Inbox(Database(sqlite_url)), Inbox(Database(sqlite_url))]
    errors: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            for n in range(40):
                put(inboxes[thread % 2], f"d-{thread}-{n}")
        except BaseException as error:  # any error fails the test below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stored(sqlite_url) == 16 * 40


def test_a_process_killed_while_holding_its_write_turn_does_not_block_the_others(sqlite_url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_TURN, sqlite_url],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    inbox = Inbox(Database(sqlite_url))
    started = time.monotonic()
    put(inbox, "after-the-kill")
    assert time.monotonic() - started < 10  # a held turn would make it wait the full 30 s and fail
    assert stored(sqlite_url) == 1
