"""PostgreSQL restarted mid-load (a private cluster, never the machine's server): while it is down the
receiver answers 503 so GitHub records a failure, nothing it acknowledged is lost, and the deliveries
GitHub failed to deliver come back through recovery."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.reliability.private_postgres import PrivatePostgres, bin_or_skip
from tests.reliability.runs import Shape, postgres_restart_run

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
SHORT = Shape(rate=4.0, total=36, faults=1, downtime=3.0)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(bin_or_skip()).initialise()
    yield server
    server.destroy()


def test_a_postgres_restart_mid_load_is_answered_503_and_loses_nothing(
    private_postgres: PrivatePostgres, github_double: GitHubDouble, github_app: TestApp, tmp_path: Path
) -> None:
    result = postgres_restart_run(github_double, github_app, private_postgres, tmp_path, SHORT)
    assert result.answers[503] >= 1, result.answers
    assert result.answers[500] == 0, result.answers
    assert (result.sent, result.lost, result.duplicated) == (SHORT.total, 0, 0), "\n".join(result.notes)
