"""Pytest plugin: the GitHub double, a test App identity and a ``GitHub`` client pointed at the double.

Registered from ``tests/conftest.py``. Fixtures:

- ``github_app``: a ``TestApp`` (app id, RSA key pair generated once per session; test-only key).
- ``github_double``: a started ``GitHubDouble`` with the App registered; after the test it fails if any
  answer broke GitHub's documented response schema.
- ``github``: a ``guard.github.GitHub`` for the App against the double, sharing the double's clock,
  with short retry delays. ``make_github(double, app, **overrides)`` builds one with other settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from guard.github import GitHub, RetryPolicy, Timeouts
from tests.github_double.double import GitHubDouble

TEST_APP_ID = 424242
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, budget=2.0)
TEST_TIMEOUTS = Timeouts(connect=2.0, read=5.0)


@dataclass(frozen=True)
class TestApp:
    """The App identity tests sign JWTs with; the key exists only for this test session."""

    __test__ = False

    app_id: int
    private_key_pem: str
    public_key_pem: str

    def __repr__(self) -> str:
        return f"TestApp(app_id={self.app_id}, key redacted)"


def generate_app(app_id: int = TEST_APP_ID) -> TestApp:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return TestApp(app_id=app_id, private_key_pem=private.decode(), public_key_pem=public.decode())


def make_github(double: GitHubDouble, app: TestApp, **overrides: Any) -> GitHub:
    """A client for ``app`` against ``double``; keyword arguments override the test defaults."""
    settings: dict[str, Any] = {
        "app_id": app.app_id,
        "private_key": app.private_key_pem,
        "api_url": double.base_url,
        "clock": double.clock,
        "retry": FAST_RETRY,
        "timeouts": TEST_TIMEOUTS,
        "user_agent": "pipeline-guard-tests",
    }
    return GitHub(**(settings | overrides))


@pytest.fixture(scope="session")
def github_app() -> TestApp:
    return generate_app()


@pytest.fixture
def github_double(github_app: TestApp) -> Iterator[GitHubDouble]:
    double = GitHubDouble()
    double.register_app(app_id=github_app.app_id, public_key_pem=github_app.public_key_pem)
    with double:
        yield double
    assert not double.violations, "the GitHub double answered outside GitHub's schema:\n" + "\n".join(
        double.violations
    )


@pytest.fixture
def github(github_double: GitHubDouble, github_app: TestApp) -> Iterator[GitHub]:
    client = make_github(github_double, github_app)
    yield client
    client.close()
