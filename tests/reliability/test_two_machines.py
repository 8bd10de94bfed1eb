"""Two machines' worth on one: two ``guard serve`` and two ``guard worker`` processes on one PostgreSQL
database, load sent to both web processes: every delivery processed once (from the decision log), each
action done once (from what the double received), and both sides did work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from guard.db import Database
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.reliability.ledger import settled
from tests.reliability.processes import GuardProcesses
from tests.reliability.workload import Deliveries, Load, set_up
from tests.support import databases

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TOTAL = 40


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


def test_two_web_processes_and_two_workers_on_one_postgres_process_every_delivery_once(
    fresh_postgres: str, github_double: GitHubDouble, github_app: TestApp, tmp_path: Path
) -> None:
    repositories = set_up(github_double, 6)
    with GuardProcesses(github_double, github_app, fresh_postgres, tmp_path, web="serve") as cluster:
        fronts = [cluster.add_web(), cluster.add_web()]
        for _ in range(2):
            cluster.add_worker()
        urls = tuple(cluster.url(front) for front in fronts)
        github_double.set_hook(urls[0], WEBHOOK_SECRET)  # where redeliveries go
        load = Load(github_double, Deliveries(github_double, repositories), rate=5.0, total=TOTAL, urls=urls)
        load.start().join()
        db = Database(fresh_postgres)
        result = settled(github_double, db, load.expected, timeout=90)
        db.dispose()
    assert (result.sent, result.acknowledged) == (TOTAL, TOTAL), (result.answers, result.notes[:5])
    assert (result.processed, result.lost, result.duplicated) == (TOTAL, 0, 0), "\n".join(result.notes)
    logs = {path.name: path.read_text() for path in tmp_path.glob("*.log")}
    assert logs["web.log"].count('"delivery processed"') >= 1  # the serve processes' own workers
    assert logs["worker.log"].count('"delivery processed"') >= 1
