"""Shared fixtures: settings, databases (SQLite and PostgreSQL), services and the Flask test client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import guard.db
from guard.db import Database
from guard.services import Services, build_services
from guard.settings import Settings, load_settings
from guard.web import create_app
from guard.webhook import sign
from tests.support import databases

pytest_plugins = [
    "tests.github_double.fixtures",
    "tests.support.scenario",
    "tests.support.endpoints",
    "tests.support.signin",
]

WEBHOOK_SECRET = "test-webhook-secret-0123456789"


@pytest.fixture(autouse=True)
def _close_database_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dispose every engine a test created, so PostgreSQL's connection limit is never reached."""
    created: list[sa.Engine] = []
    make_engine = guard.db.make_engine

    def tracked(url: str, **options: Any) -> sa.Engine:
        engine = make_engine(url, **options)
        created.append(engine)
        return engine

    monkeypatch.setattr(guard.db, "make_engine", tracked)
    yield
    for engine in created:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = databases.create_postgres_database()
    yield url
    databases.drop_postgres_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "guard.db"
        path.write_bytes(sqlite_template.read_bytes())
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    databases.truncate_all(Database(url))
    yield url


@pytest.fixture
def make_settings(tmp_path: Path) -> Any:
    def make(**env: str) -> Settings:
        values = {"WEBHOOK_SECRET": WEBHOOK_SECRET, "GUARD_DATA_DIR": str(tmp_path / "data"), **env}
        return load_settings(values)

    return make


@pytest.fixture
def settings(make_settings: Any, database_url: str) -> Settings:
    return make_settings(DATABASE_URL=database_url)  # type: ignore[no-any-return]


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings)
    yield built
    built.db.dispose()


@pytest.fixture
def app(services: Services) -> Flask:
    return create_app(services=services)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def signed_headers(body: bytes, event: str, delivery_id: str, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id,
        "X-GitHub-Hook-ID": "4242",
        "X-Hub-Signature-256": sign(body, secret),
        "User-Agent": "GitHub-Hookshot/test",
    }


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
