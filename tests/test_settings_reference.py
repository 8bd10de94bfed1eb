"""Settings: the reference table names exactly what is read, and new settings are validated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from guard.settings import SettingsError, load_settings
from guard.settings_reference import SETTINGS, replace_table

ROOT = Path(__file__).resolve().parent.parent
BASE = {"WEBHOOK_SECRET": "a-long-enough-webhook-secret"}


class Recording(dict[str, str]):
    """An environment that remembers every name looked up."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("settings must look names up, not list the environment")


def test_the_reference_names_exactly_the_settings_load_settings_reads() -> None:
    environment = Recording(dict(BASE))
    load_settings(environment)
    documented = {doc.name for doc in SETTINGS if doc.read_by == "settings"}
    assert environment.read == documented


def test_secrets_are_marked_as_secrets() -> None:
    secret = {doc.name for doc in SETTINGS if doc.secret}
    assert {"WEBHOOK_SECRET", "PRIVATE_KEY", "GITHUB_CLIENT_SECRET", "DATABASE_URL"} <= secret
    assert "APP_ID" not in secret


def test_docs_deploying_carries_the_current_table() -> None:
    document = (ROOT / "docs" / "deploying.md").read_text(encoding="utf-8")
    assert replace_table(document) == document, "run: python -m scripts.update_deploy_docs"


def test_the_metrics_port_must_be_a_port_other_than_the_web_port() -> None:
    assert load_settings(BASE | {"GUARD_METRICS_PORT": "9100"}).metrics_port == 9100
    assert load_settings(BASE).metrics_port is None
    with pytest.raises(SettingsError, match="GUARD_METRICS_PORT must differ from PORT"):
        load_settings(BASE | {"GUARD_METRICS_PORT": "3000"})
    with pytest.raises(SettingsError, match="GUARD_METRICS_PORT must be between 1 and 65535"):
        load_settings(BASE | {"GUARD_METRICS_PORT": "0"})


def test_the_public_url_must_be_a_url() -> None:
    assert load_settings(BASE | {"GUARD_PUBLIC_URL": "https://guard.example.com/"}).public_url == (
        "https://guard.example.com"
    )
    with pytest.raises(SettingsError, match="GUARD_PUBLIC_URL must be an http"):
        load_settings(BASE | {"GUARD_PUBLIC_URL": "guard.example.com"})


def test_the_client_secret_stays_out_of_the_repr() -> None:
    settings = load_settings(BASE | {"GITHUB_CLIENT_SECRET": "very-secret-client-value"})
    assert "very-secret-client-value" not in repr(settings)
