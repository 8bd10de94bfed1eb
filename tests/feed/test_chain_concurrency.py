"""Writers racing on the alert store never fork the hash chain (an advisory lock on PostgreSQL)."""

from __future__ import annotations

import threading

from guard import alert_chain
from guard.alerts import AlertStore
from guard.db import Database
from tests.feed.support import spec


def test_concurrent_raises_and_changes_keep_one_intact_chain(database_url: str) -> None:
    store = AlertStore(Database(database_url))
    for number in range(4):
        store.raise_alert(spec(number))
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def write(worker: int) -> None:
        start.wait()
        try:
            for round_ in range(5):
                store.raise_alert(spec(1000 + 100 * worker + round_))
                store.raise_alert(spec(worker % 4))
            if worker < 4:
                store.acknowledge(worker + 1, f"user{worker}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    result = alert_chain.verify(store.db)
    assert result.broken is None
    assert (result.entries, result.alerts) == (4 + 8 * 10 + 4, 4 + 40)
    store.db.dispose()
