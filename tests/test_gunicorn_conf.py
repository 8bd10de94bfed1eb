"""gunicorn.conf.py: a listening socket per process only where the kernel hands over queued connections."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from guard.listening import spread_connections

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("choice", "expected"), [("1", True), ("0", False)])
def test_an_operator_chooses_a_socket_per_process_or_one_shared(
    monkeypatch: pytest.MonkeyPatch, choice: str, expected: bool
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/nonexistent-not-created")
    monkeypatch.setenv("GUNICORN_REUSE_PORT", choice)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["reuse_port"] is expected


@pytest.mark.parametrize(("setting", "expected"), [("1\n", True), ("0\n", False), (None, False)])
def test_auto_spreads_connections_only_when_linux_migrates_queued_ones(
    tmp_path: Path, setting: str | None, expected: bool
) -> None:
    migrate = tmp_path / "tcp_migrate_req"
    if setting is not None:
        migrate.write_text(setting)
    assert spread_connections("auto", str(migrate)) is expected
