"""Settings, read from the environment (and a ``.env`` file) in this one place and validated at start-up.

Names follow Probot's so operators recognise them. Secrets have no defaults: a missing webhook secret
stops the guard; missing App credentials leave it running with GitHub writes off, and it says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_WEB_URL = "https://github.com"


class SettingsError(ValueError):
    """One or more settings are missing or invalid; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n  - " + "\n  - ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """Every setting the guard reads. Secret fields are excluded from ``repr``."""

    webhook_secrets: tuple[str, ...] = field(repr=False)
    app_id: str | None = None
    private_key: str | None = field(default=None, repr=False)
    github_api_url: str = DEFAULT_API_URL
    github_url: str = DEFAULT_WEB_URL
    data_dir: Path = Path(".data")
    database_url: str = "sqlite:///.data/guard.db"
    log_format: str = "console"
    port: int = 3000
    inbox_limit: int = 50_000
    worker_threads: int = 2
    max_attempts: int = 8
    lease_seconds: int = 120
    recovery_seconds: int = 900
    github_read_timeout: int = 10
    sweep_concurrency: int = 2
    allowed_orgs: frozenset[str] = frozenset()
    env_file: Path = Path(".env")
    public_url: str | None = None
    github_client_id: str | None = None
    github_client_secret: str | None = field(default=None, repr=False)
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    notify_slack_url: str | None = field(default=None, repr=False)
    notify_webhook_url: str | None = None
    notify_webhook_secret: str | None = field(default=None, repr=False)
    notify_min_severity: str = "high"

    @property
    def github_writes_enabled(self) -> bool:
        return self.app_id is not None and self.private_key is not None

    def missing_for_github(self) -> list[str]:
        """Names of the settings that keep GitHub writes off."""
        return [] if self.github_writes_enabled else ["APP_ID", "PRIVATE_KEY or PRIVATE_KEY_PATH"]

    def serves_org(self, login: str | None) -> bool:
        """Whether GUARD_ALLOWED_ORGS admits this account (empty admits all)."""
        return not self.allowed_orgs or (login or "").lower() in self.allowed_orgs


def env_file_path(environ: Mapping[str, str] | None = None) -> Path:
    """The ``.env`` file settings are read from and registration writes to (``GUARD_ENV_FILE``)."""
    return Path((os.environ if environ is None else environ).get("GUARD_ENV_FILE") or ".env")


def read_environment(
    env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The process environment over the values of ``env_file`` (the environment wins)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build and validate settings from a mapping of environment variables."""
    problems: list[str] = []
    reader = _Reader(env, problems)
    data_dir = Path(reader.text("GUARD_DATA_DIR", ".data"))
    settings = Settings(
        webhook_secrets=_webhook_secrets(env, problems),
        app_id=reader.optional("APP_ID"),
        private_key=_private_key(env, problems),
        github_api_url=reader.url("GITHUB_API_URL", DEFAULT_API_URL),
        github_url=reader.url("GITHUB_URL", DEFAULT_WEB_URL),
        data_dir=data_dir,
        database_url=reader.text("DATABASE_URL", f"sqlite:///{data_dir / 'guard.db'}"),
        log_format=reader.choice("LOG_FORMAT", ("console", "json"), "console"),
        port=reader.integer("PORT", 3000, 1, 65535),
        inbox_limit=reader.integer("GUARD_INBOX_LIMIT", 50_000, 1, 10_000_000),
        worker_threads=reader.integer("GUARD_WORKER_THREADS", 2, 0, 64),
        max_attempts=reader.integer("GUARD_MAX_ATTEMPTS", 8, 1, 100),
        lease_seconds=reader.integer("GUARD_LEASE_SECONDS", 120, 5, 3600),
        recovery_seconds=reader.integer("GUARD_RECOVERY_SECONDS", 900, 5, 86_400),
        github_read_timeout=reader.integer("GUARD_GITHUB_READ_TIMEOUT", 10, 1, 120),
        sweep_concurrency=reader.integer("GUARD_SWEEP_CONCURRENCY", 2, 1, 64),
        allowed_orgs=frozenset(
            o.strip().lower() for o in env.get("GUARD_ALLOWED_ORGS", "").split(",") if o.strip()
        ),
        env_file=env_file_path(env),
        public_url=reader.optional_url("GUARD_PUBLIC_URL"),
        github_client_id=reader.optional("GITHUB_CLIENT_ID"),
        github_client_secret=reader.optional("GITHUB_CLIENT_SECRET"),
        metrics_port=reader.optional_integer("GUARD_METRICS_PORT", 1, 65535),
        metrics_host=reader.text("GUARD_METRICS_HOST", "127.0.0.1"),
        notify_slack_url=reader.optional_url("GUARD_NOTIFY_SLACK_URL"),
        notify_webhook_url=reader.optional_url("GUARD_NOTIFY_WEBHOOK_URL"),
        notify_webhook_secret=reader.optional("GUARD_NOTIFY_WEBHOOK_SECRET"),
        notify_min_severity=reader.choice(
            "GUARD_NOTIFY_MIN_SEVERITY", ("critical", "high", "medium", "low", "info"), "high"
        ),
    )
    _check_notifications(settings, problems)
    if (settings.app_id is None) != (settings.private_key is None):
        problems.append("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set together")
    if settings.app_id is not None and not settings.app_id.strip():
        problems.append("APP_ID is empty")
    if settings.metrics_port is not None and settings.metrics_port == settings.port:
        problems.append("GUARD_METRICS_PORT must differ from PORT")
    if problems:
        raise SettingsError(problems)
    return settings


def _check_notifications(settings: Settings, problems: list[str]) -> None:
    """The generic webhook is always signed: its URL and a long secret come together."""
    url, secret = settings.notify_webhook_url, settings.notify_webhook_secret
    if url and not secret:
        problems.append(
            "GUARD_NOTIFY_WEBHOOK_URL needs GUARD_NOTIFY_WEBHOOK_SECRET (the HMAC key it signs with)"
        )
    if secret and not url:
        problems.append("GUARD_NOTIFY_WEBHOOK_SECRET is set without GUARD_NOTIFY_WEBHOOK_URL")
    if secret and len(secret) < 16:
        problems.append("GUARD_NOTIFY_WEBHOOK_SECRET is shorter than 16 characters; use a long random secret")


class _Reader:
    """Reads typed values and collects every problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str], problems: list[str]) -> None:
        self.env = env
        self.problems = problems

    def optional(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def url(self, name: str, default: str) -> str:
        value = self.text(name, default).rstrip("/")
        if not value.startswith(("https://", "http://")):
            self.problems.append(f"{name} must be an http(s) URL, got {value!r}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.text(name, default).lower()
        if value not in allowed:
            self.problems.append(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def optional_url(self, name: str) -> str | None:
        return self.url(name, "") if self.optional(name) else None

    def optional_integer(self, name: str, low: int, high: int) -> int | None:
        return self.integer(name, 0, low, high) if self.optional(name) else None

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if not low <= value <= high:
            self.problems.append(f"{name} must be between {low} and {high}, got {value}")
        return value


def _webhook_secrets(env: Mapping[str, str], problems: list[str]) -> tuple[str, ...]:
    current = env.get("WEBHOOK_SECRET", "")
    previous = env.get("WEBHOOK_SECRET_PREVIOUS", "")
    if not current:
        problems.append("WEBHOOK_SECRET is not set (it must match the App's webhook secret)")
    elif len(current) < 16:
        problems.append("WEBHOOK_SECRET is shorter than 16 characters; use a long random secret")
    return tuple(s for s in (current, previous) if s)


def _private_key(env: Mapping[str, str], problems: list[str]) -> str | None:
    pem = env.get("PRIVATE_KEY", "").strip()
    path = env.get("PRIVATE_KEY_PATH", "").strip()
    if pem and path:
        problems.append("set PRIVATE_KEY or PRIVATE_KEY_PATH, not both")
        return None
    if path:
        try:
            pem = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"PRIVATE_KEY_PATH {path!r} cannot be read: {type(exc).__name__}")
            return None
    if not pem:
        return None
    pem = pem.replace("\\n", "\n")
    try:
        load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        problems.append("the private key is not a readable unencrypted PEM private key")
        return None
    return pem
