"""gunicorn.conf.py: a listening socket per process only where the kernel hands over queued connections."""

from __future__ import annotations

import runpy
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def config(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, object]:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/nonexistent-not-created")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize(("choice", "expected"), [("1", True), ("0", False)])
def test_an_operator_chooses_a_socket_per_process_or_one_shared(
    monkeypatch: pytest.MonkeyPatch, choice: str, expected: bool
) -> None:
    assert config(monkeypatch, GUNICORN_REUSE_PORT=choice)["reuse_port"] is expected


@pytest.mark.parametrize(("setting", "expected"), [("1\n", True), ("0\n", False), (None, False)])
def test_auto_spreads_connections_only_when_linux_migrates_queued_ones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str | None, expected: bool
) -> None:
    spread = config(monkeypatch)["spread_connections"]
    assert callable(spread)
    migrate = tmp_path / "tcp_migrate_req"
    if setting is not None:
        migrate.write_text(setting)
    choose: Callable[[str, str], bool] = spread
    assert choose("auto", str(migrate)) is expected
