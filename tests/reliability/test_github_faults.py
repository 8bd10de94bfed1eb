"""GitHub failing while the load flows: 500/502 answers, secondary (403, retry-after) and primary (429,
reset) rate limits, timeouts, dropped connections and slow answers, by chance on every route.

Every delivery is processed and its one action done once; retries stay bounded; and after GitHub says
to wait, the guard sends nothing more as that identity until the wait is over (no busy retry loop).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.reliability.runs import Shape, early_calls, github_faults_run

pytestmark = pytest.mark.slow
SHORT = Shape(rate=4.0, total=28)
INJECTED = {"errors": (500, 502), "rate limits": (403, 429), "timeouts": (0,)}
INJECTED["all"] = tuple(status for statuses in list(INJECTED.values()) for status in statuses)


def check(double: GitHubDouble, faults: str, result: object) -> None:
    from tests.reliability.ledger import Tally

    assert isinstance(result, Tally)
    assert (result.sent, result.lost, result.duplicated) == (SHORT.total, 0, 0), "\n".join(result.notes)
    # Each retry follows a failed answer (a timed-out call is answered 200 by the double, late): a busy
    # loop would repeat far more than the faults injected or a quarter of the deliveries.
    faulted = sum(result.github_answers[status] for status in INJECTED[faults])
    assert result.repeats <= max(faulted, result.sent // 4), (result.repeats, result.github_answers)
    assert early_calls(double, faults) == []


@pytest.mark.parametrize("faults", ["errors", "rate limits", "timeouts"])
def test_github_failing_by_chance_still_gets_every_action_done_once_without_busy_retries(
    faults: str, github_double: GitHubDouble, github_app: TestApp, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'guard.db'}"
    result = github_faults_run(github_double, github_app, url, tmp_path, faults, SHORT)
    check(github_double, faults, result)
    assert any(result.github_answers[status] for status in INJECTED[faults]), result.github_answers


@pytest.mark.postgres
def test_every_github_fault_at_once_on_postgres(
    postgres_url: str, github_double: GitHubDouble, github_app: TestApp, tmp_path: Path
) -> None:
    from guard.db import Database
    from tests.support.databases import truncate_all

    truncate_all(Database(postgres_url))
    result = github_faults_run(github_double, github_app, postgres_url, tmp_path, "all", SHORT)
    check(github_double, "all", result)
