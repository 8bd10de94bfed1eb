"""``.env`` writing: mode 0600, every value reads back intact (a PEM key too), all or nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from dotenv import dotenv_values

from guard.envfile import EnvFileError, ensure_webhook_secret, set_values
from guard.settings import load_settings, read_environment
from tests.github_double.fixtures import TestApp


def test_a_private_key_survives_the_round_trip_into_settings(tmp_path: Path, github_app: TestApp) -> None:
    path = tmp_path / ".env"
    set_values(path, {"WEBHOOK_SECRET": "x" * 32, "APP_ID": "42", "PRIVATE_KEY": github_app.private_key_pem})
    settings = load_settings(read_environment(path, environ={}))
    assert settings.private_key == github_app.private_key_pem.strip()
    assert settings.github_writes_enabled


def test_the_file_is_created_and_kept_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    set_values(path, {"A": "1"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    set_values(path, {"B": "2"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dotenv_values(path) == {"A": "1", "B": "2"}


def test_other_lines_are_kept_and_values_replaced(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# my notes\nLOG_FORMAT=json\nAPP_ID=1\n")
    set_values(path, {"APP_ID": "2"})
    assert path.read_text().startswith("# my notes\nLOG_FORMAT=json\n")
    assert dotenv_values(path) == {"LOG_FORMAT": "json", "APP_ID": "2"}


def test_a_value_that_cannot_be_quoted_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    set_values(path, {"A": "1"})
    with pytest.raises(EnvFileError, match="B holds a character"):
        set_values(path, {"A": "changed", "B": "it's"})
    assert dotenv_values(path) == {"A": "1"}
    assert [p.name for p in tmp_path.iterdir()] == [".env"]


def test_a_webhook_secret_is_generated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    path = tmp_path / ".env"
    assert ensure_webhook_secret(path) is True
    first = dotenv_values(path)["WEBHOOK_SECRET"]
    assert first is not None
    assert len(first) >= 32
    assert ensure_webhook_secret(path) is False
    assert dotenv_values(path)["WEBHOOK_SECRET"] == first
