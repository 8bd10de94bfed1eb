"""Registering the App from the guard: home page → manifest → GitHub → conversion → .env → status page.

GitHub is the local double, on github.com's layout (API at the root) and on GitHub Enterprise Server's
(web at the root, API under /api/v3).
"""

from __future__ import annotations

import html
import stat
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from dotenv import dotenv_values
from flask.testing import FlaskClient
from structlog.testing import capture_logs

from guard.access import Access
from guard.envfile import set_values
from guard.reload import CredentialsWatch
from guard.routing import Route, Router
from guard.services import Services, build_services
from guard.settings import load_settings, read_environment
from guard.web import announce_setup, create_app
from tests.conftest import WEBHOOK_SECRET
from tests.github_double import GitHubDouble
from tests.support.html_forms import Form, forms

PUBLIC_URL = "https://guard.example.com"


def policies() -> Router:
    """Two policies as their modules would declare them: one route each and their own permissions."""
    protection = Router([Route("branch_protection", "push", frozenset(), lambda event, ctx: [])])
    protection.permissions["administration"] = "read"
    review = Router([Route("fork_secrets", "workflow_run", frozenset(), lambda event, ctx: [])])
    return Router.combine(protection, review)


def _text(response: Any) -> str:
    """A page's text with HTML entities decoded, as a person reads it."""
    return html.unescape(response.get_data(as_text=True))


@dataclass
class Guard:
    """A guard without App credentials, its test client, and the GitHub double it registers on."""

    services: Services
    client: FlaskClient
    double: GitHubDouble
    env_file: Path

    def setup_code(self) -> str:
        """The code as the operator reads it in the first log lines."""
        with capture_logs() as logs:
            announce_setup(self.services, "http://127.0.0.1:3000/")
        (line,) = [entry for entry in logs if "registration_setup_code" in entry]
        assert "no GitHub App yet" in line["event"]
        return str(line["registration_setup_code"])

    def start(self, **form: str) -> Any:
        fields = {
            "setup_code": self.setup_code(),
            "owner": "organisation",
            "organisation": "acme",
            "name": "Acme Guard",
            "public_url": PUBLIC_URL,
        }
        return self.client.post("/setup/manifest", data=fields | form)

    def to_github(self, page: str) -> requests.Response:
        """Submit the page's form to GitHub, as the browser does when the admin clicks the button."""
        (form,) = forms(page)
        return requests.post(form.action, data=form.fields, allow_redirects=False, timeout=10)

    def register(self) -> Any:
        answer = self.to_github(self.start().get_data(as_text=True))
        assert answer.status_code == 302, answer.text
        return self.client.get(answer.headers["Location"])


@pytest.fixture(params=["github.com", "enterprise-server"])
def double(request: pytest.FixtureRequest) -> Iterator[GitHubDouble]:
    with GitHubDouble(prefix="/api/v3" if request.param == "enterprise-server" else "") as started:
        yield started
    assert not started.violations


@pytest.fixture
def guard(double: GitHubDouble, database_url: str, tmp_path: Path) -> Iterator[Guard]:
    """Settings in a .env file, as an operator keeps them (what a reload re-reads)."""
    env_file = tmp_path / ".env"
    values = {
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DATABASE_URL": database_url,
        "GITHUB_URL": double.web_url,
        "GITHUB_API_URL": double.base_url,
        "GUARD_ENV_FILE": str(env_file),
        "GUARD_DATA_DIR": str(tmp_path / "data"),
    }
    set_values(env_file, values)
    settings = load_settings(read_environment(env_file))
    services = build_services(settings, router=policies())
    app = create_app(services=services, access=Access(admin=lambda: True))
    yield Guard(services, app.test_client(), double, env_file)
    services.db.dispose()


def test_the_home_page_offers_registration_with_the_permissions_the_policies_need(guard: Guard) -> None:
    page = guard.client.get("/")
    text = _text(page)
    assert page.status_code == 200
    assert "Register Pipeline Guard on GitHub" in text
    assert "<td>administration</td><td>read</td>" in text
    assert "<td>actions</td><td>read</td>" in text
    assert "Events: push, workflow_run" in text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_registration_writes_the_credentials_and_the_status_page_shows_the_app(guard: Guard) -> None:
    start = guard.start()  # the test client is one browser: it keeps the registration cookie
    assert start.status_code == 200
    (form,) = forms(start.get_data(as_text=True))
    assert form.action.startswith(f"{guard.double.web_url}/organizations/acme/settings/apps/new?state=")
    done = guard.client.get(guard.to_github(start.get_data(as_text=True)).headers["Location"])
    text = _text(done)
    assert done.status_code == 200, text
    assert "Pipeline Guard is registered" in text
    assert "Install Acme Guard on acme" in text
    assert 'href="https://github.com/apps/acme-guard/installations/new"' in text

    assert stat.S_IMODE(guard.env_file.stat().st_mode) == 0o600
    stored = load_settings(read_environment(guard.env_file, environ={}))
    app = guard.double.state.app
    assert app is not None
    assert stored.app_id == str(app.id)
    assert stored.private_key is not None
    assert stored.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert stored.webhook_secrets[0] != WEBHOOK_SECRET
    assert stored.github_client_id == app.client_id
    assert stored.github_client_secret

    registered = guard.double.state.app
    assert registered is not None
    assert registered.manifest is not None
    assert registered.manifest["hook_attributes"]["url"] == f"{PUBLIC_URL}/api/github/webhooks"
    assert registered.manifest["default_events"] == ["push", "workflow_run"]
    assert registered.manifest["default_permissions"] == {
        "actions": "read",
        "administration": "read",
        "checks": "write",
        "contents": "read",
        "members": "read",
        "metadata": "read",
    }

    guard.double.add_installation("acme")
    guard.double.add_repo("acme/widgets")
    status = _text(guard.client.get("/"))
    assert "Acme Guard" in status
    assert "acme/widgets" in status
    assert "watching" in status


def test_from_the_home_page_to_the_status_page_through_githubs_sign_in(guard: Guard) -> None:
    """The whole first run as an admin lives it, with the real sign-in instead of an open status page."""
    set_values(guard.env_file, {"GUARD_PUBLIC_URL": PUBLIC_URL})  # as docs/deploying.md has it set
    browser = create_app(services=guard.services).test_client()
    assert "Register Pipeline Guard on GitHub" in _text(browser.get("/"))
    guard.client = browser
    assert "Pipeline Guard is registered" in _text(guard.register())
    assert stat.S_IMODE(guard.env_file.stat().st_mode) == 0o600
    assert {"APP_ID", "PRIVATE_KEY", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"} <= set(
        dotenv_values(guard.env_file)
    )
    guard.double.add_installation("acme")
    guard.double.add_repo("acme/.github", files={"guard.yml": "alerts:\n  readers: [security]\n"})
    guard.double.add_repo("acme/widgets")
    guard.double.add_team("acme", "security", ["mona"])
    assert browser.get("/").status_code == 401

    guard.double.sign_in("mona")
    start = browser.get("/login?next=/")
    at_github = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urllib.parse.urlsplit(at_github.headers["Location"])
    assert f"{back.scheme}://{back.netloc}" == PUBLIC_URL  # the callback URL the manifest registered
    signed_in = browser.get(f"{back.path}?{back.query}")
    assert signed_in.status_code == 303, _text(signed_in)
    status = _text(browser.get("/"))
    assert "Acme Guard" in status
    assert "acme/widgets" in status
    assert "watching" in status


def test_the_guard_loads_the_new_credentials_without_a_restart(guard: Guard) -> None:
    assert guard.services.github is None
    guard.register()
    assert guard.services.github is not None
    assert guard.services.settings.webhook_secrets == (dotenv_values(guard.env_file)["WEBHOOK_SECRET"],)
    assert guard.client.post("/setup/manifest").status_code == 404


def test_another_process_on_the_same_env_file_picks_the_credentials_up(guard: Guard) -> None:
    other = build_services(guard.services.settings, router=policies())
    watch = CredentialsWatch(other, interval=0)
    assert watch.check() is False
    guard.register()
    assert watch.check() is True
    assert other.github is not None
    assert other.settings.app_id == guard.services.settings.app_id
    other.db.dispose()


def test_a_wrong_setup_code_stops_the_registration_before_github(guard: Guard) -> None:
    answer = guard.start(setup_code="AAAA-BBBB-CCCC")
    assert answer.status_code == 403
    assert "The setup code is not the one in the guard's log." in _text(answer)
    assert "Set-Cookie" not in answer.headers
    assert forms(answer.get_data(as_text=True))[0].action == "/setup/manifest"
    assert guard.double.calls == []


def test_the_setup_code_is_forgiving_about_case_and_dashes(guard: Guard) -> None:
    code = guard.setup_code().replace("-", " ").lower()
    assert guard.start(setup_code=code).status_code == 200


def test_a_local_url_is_refused_with_the_way_out(guard: Guard) -> None:
    answer = guard.start(public_url="http://localhost:3000")
    assert answer.status_code == 400
    assert "use the URL of a tunnel" in _text(answer)


def test_a_personal_registration_goes_to_the_users_settings(guard: Guard) -> None:
    (form,) = forms(guard.start(owner="personal", organisation="").get_data(as_text=True))
    assert form.action.startswith(f"{guard.double.web_url}/settings/apps/new?state=")


def test_the_callback_only_works_in_the_browser_that_started_it(guard: Guard) -> None:
    location = guard.to_github(guard.start().get_data(as_text=True)).headers["Location"]
    stranger = guard.client.application.test_client()
    answer = stranger.get(location)
    assert answer.status_code == 400
    assert "not belong to a registration started in this browser" in _text(answer)
    assert guard.double.calls_to("POST", "/app-manifests/{code}/conversions") == []


def test_a_state_works_once(guard: Guard) -> None:
    location = guard.to_github(guard.start().get_data(as_text=True)).headers["Location"]
    forged = _with_query(location, code="another-code")
    assert guard.client.get(forged).status_code == 502
    answer = guard.client.get(location)
    assert answer.status_code == 400
    assert "already used" in _text(answer)


def test_an_expired_code_asks_to_start_again_and_keeps_env_as_it_was(guard: Guard) -> None:
    before = guard.env_file.read_text()
    location = guard.to_github(guard.start().get_data(as_text=True)).headers["Location"]
    guard.double.clock.advance(3601)  # type: ignore[attr-defined]
    answer = guard.client.get(location)
    assert answer.status_code == 502
    assert "a code works once, within an hour" in _text(answer)
    assert guard.env_file.read_text() == before
    assert guard.start().status_code == 200


def test_an_environment_variable_that_overrides_env_is_named(
    guard: Guard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", WEBHOOK_SECRET)
    text = _text(guard.register())
    assert "The process environment sets WEBHOOK_SECRET" in text
    assert guard.services.github is None


def test_the_status_page_is_closed_without_admin_sign_in(guard: Guard) -> None:
    guard.register()
    closed = create_app(services=guard.services).test_client().get("/")
    assert closed.status_code == 401
    assert "guard status" in _text(closed)


def _with_query(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query)) | changes
    return parts._replace(query=urllib.parse.urlencode(query)).geturl()


def test_forms_helper_reads_checked_radios_only() -> None:
    page = '<form action="/x" method="post"><input type="radio" name="a" value="1">'
    page += '<input type="radio" name="a" value="2" checked><input name="b" value="&amp;"></form>'
    assert forms(page) == [Form("/x", "post", {"a": "2", "b": "&"})]
