"""A guard with sign-in configured against the double, and a browser-like walk through GitHub's sign-in.

``reader_site`` is the App on ``acme`` (with ``members: read``), whose ``.github/guard.yml`` names the
``security`` team as alert readers; ``mona`` is on it. ``sign_in(site, client, login)`` goes ``/login`` →
the double's authorize page → the guard's callback, as a browser would, and returns the callback's answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from guard.github import GitHub
from guard.services import Services, build_services
from guard.web import create_app
from tests.github_double.double import DEFAULT_PERMISSIONS, GitHubDouble
from tests.github_double.fixtures import TestApp

READERS_CONFIG = "alerts:\n  readers: [security]\n"
READER_PERMISSIONS = DEFAULT_PERMISSIONS | {"members": "read"}


@dataclass
class Site:
    """The guard's web app, its services, and the double it signs people in against."""

    app: Flask
    services: Services
    double: GitHubDouble

    def browser(self) -> FlaskClient:
        return self.app.test_client()


def page_text(response: TestResponse) -> str:
    """A page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True))).split())


def sign_in(site: Site, client: FlaskClient, login: str, next_path: str = "/alerts") -> TestResponse:
    """Sign ``login`` in through GitHub's authorize page; the guard's answer to GitHub's redirect."""
    site.double.sign_in(login)
    start = client.get("/login", query_string={"next": next_path})
    assert start.status_code == 302, start.get_data(as_text=True)
    at_github = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert at_github.status_code == 302, at_github.text
    return client.get(at_github.headers["Location"])


@pytest.fixture
def reader_site(
    make_settings: Any, database_url: str, github_double: GitHubDouble, github_app: TestApp, github: GitHub
) -> Iterator[Site]:
    github_double.add_installation("acme", installation_id=77, permissions=READER_PERMISSIONS)
    github_double.add_repo("acme/.github", files={"guard.yml": READERS_CONFIG})
    github_double.add_repo("acme/widgets")
    github_double.add_team("acme", "security", ["mona"])
    app_record = github_double.state.app
    assert app_record is not None
    settings = make_settings(
        DATABASE_URL=database_url,
        GITHUB_API_URL=github_double.base_url,
        GITHUB_URL=github_double.web_url,
        APP_ID=str(github_app.app_id),
        PRIVATE_KEY=github_app.private_key_pem,
        GITHUB_CLIENT_ID=app_record.client_id,
        GITHUB_CLIENT_SECRET=app_record.client_secret,
    )
    services = build_services(settings, github=github)
    yield Site(create_app(services=services), services, github_double)
    services.db.dispose()
