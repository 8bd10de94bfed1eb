"""A delivery GitHub failed while the guard was stopped is recovered by the guard itself after restart.

Nothing calls the recovery here: ``guard serve`` walks the App's deliveries on start-up (through the
double's ``GET /app/hook/deliveries``), asks for the failed one again, and processes it; ``guard
deliveries`` then lists it as ``recovered``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from guard.db import Database
from tests.conftest import WEBHOOK_SECRET
from tests.github_double.double import GitHubDouble
from tests.github_double.fixtures import TestApp
from tests.reliability.ledger import settled
from tests.reliability.processes import ROOT, GuardProcesses
from tests.reliability.workload import Deliveries, Expected, set_up

pytestmark = pytest.mark.slow


def listed(cluster: GuardProcesses) -> dict[str, str]:
    """``guard deliveries --format json``: delivery id -> source."""
    out = subprocess.run(
        [sys.executable, "-m", "guard", "deliveries", "--format", "json"],
        cwd=ROOT,
        env=cluster.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {row["delivery_id"]: row["source"] for row in json.loads(out)}


def test_a_delivery_failed_while_the_guard_was_stopped_is_recovered_after_restart(
    database_url: str, github_double: GitHubDouble, github_app: TestApp, tmp_path: Path
) -> None:
    deliveries = Deliveries(github_double, set_up(github_double, 1), config_share=0)
    start_up_only = {"GUARD_RECOVERY_SECONDS": "900"}  # the periodic run is not due within the test
    with GuardProcesses(
        github_double, github_app, database_url, tmp_path, web="serve", extra_env=start_up_only
    ) as cluster:
        serve = cluster.add_web()
        github_double.set_hook(cluster.url(serve), WEBHOOK_SECRET)
        event, payload, kind, repo, target = deliveries.build()
        before = github_double.send_webhook(event, payload)
        assert before.status_code == 202
        cluster.stop()  # SIGTERM: the guard is stopped
        event, payload, kind, repo, target = deliveries.build()
        lost = github_double.send_webhook(event, payload)
        assert lost.status == "failed to connect"
        cluster.start(serve)
        expected = [Expected(lost.guid, kind, repo, target, "branch_protection")]
        db = Database(database_url)
        result = settled(github_double, db, expected, timeout=60)
        db.dispose()
        assert (result.processed, result.recovered, result.duplicated) == (1, 1, 0), result.notes
        assert listed(cluster)[lost.guid] == "recovered"
        assert listed(cluster)[before.guid] == "webhook"
