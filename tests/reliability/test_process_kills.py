"""SIGKILL of the web process (gunicorn or ``guard serve``) and of workers at random under a steady load.

Deliveries answered while a process was down fail at GitHub and come back through recovery; deliveries
a killed worker held come back when its lease expires. Judged from the double's records and the
decision log: every delivery processed, none decided or acted on twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.reliability.runs import Shape, kill_run

pytestmark = pytest.mark.slow
SHORT = Shape(rate=3.0, total=27, faults=3, downtime=0.5)


@pytest.mark.parametrize("target", ["gunicorn", "serve"])
def test_sigkill_at_random_points_under_load_loses_nothing_and_acts_once(
    target: str, database_url: str, github_double: GitHubDouble, github_app: TestApp, tmp_path: Path
) -> None:
    result = kill_run(github_double, github_app, database_url, tmp_path, target, SHORT)
    assert result.sent == SHORT.total
    assert (result.lost, result.duplicated) == (0, 0), "\n".join(result.notes)
    assert result.processed == SHORT.total
    assert result.recovered >= 1  # a web process was down while GitHub delivered: recovered since
