"""The double's App manifest flow: the web form, GitHub's manifest rules, and the one-time conversion."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
import requests

from guard.github import make_app_jwt
from tests.github_double import GitHubDouble

MANIFEST: dict[str, Any] = {
    "name": "Guard Test",
    "url": "https://guard.example.com",
    "hook_attributes": {"url": "https://guard.example.com/api/github/webhooks"},
    "redirect_url": "http://127.0.0.1:3000/setup/callback",
    "default_permissions": {"checks": "write", "contents": "read"},
    "default_events": ["push", "check_run"],
}


def create(double: GitHubDouble, manifest: Any, path: str = "/organizations/acme/settings/apps/new") -> Any:
    form = {"manifest": json.dumps(manifest)}
    return requests.post(f"{double.web_url}{path}?state=s-1", data=form, allow_redirects=False, timeout=5)


def convert(double: GitHubDouble, code: str) -> requests.Response:
    return requests.post(f"{double.base_url}/app-manifests/{code}/conversions", timeout=10)


def test_a_valid_manifest_redirects_with_a_code_that_converts_into_working_credentials(
    github_double: GitHubDouble,
) -> None:
    answer = create(github_double, MANIFEST)
    assert answer.status_code == 302
    location = urllib.parse.urlsplit(answer.headers["Location"])
    assert location._replace(query="").geturl() == MANIFEST["redirect_url"]
    query = urllib.parse.parse_qs(location.query)
    assert query["state"] == ["s-1"]
    created = convert(github_double, query["code"][0])
    assert created.status_code == 201
    app = created.json()
    assert app["name"] == "Guard Test"
    assert app["owner"]["login"] == "acme"
    assert app["permissions"] == {"checks": "write", "contents": "read", "metadata": "read"}
    assert {"client_id", "client_secret", "webhook_secret", "pem"} <= set(app)
    jwt = make_app_jwt(str(app["id"]), app["pem"], github_double.now())
    me = requests.get(f"{github_double.base_url}/app", headers={"Authorization": f"Bearer {jwt}"}, timeout=5)
    assert me.json()["slug"] == "guard-test"


def test_a_code_converts_once(github_double: GitHubDouble) -> None:
    code = github_double.manifest_code(MANIFEST)
    assert convert(github_double, code).status_code == 201
    assert convert(github_double, code).status_code == 404


def test_a_code_expires_after_an_hour(github_double: GitHubDouble) -> None:
    code = github_double.manifest_code(MANIFEST)
    github_double.clock.advance(3601)  # type: ignore[attr-defined]
    assert convert(github_double, code).status_code == 404


def test_the_personal_form_creates_the_app_on_the_signed_in_user(github_double: GitHubDouble) -> None:
    answer = create(github_double, MANIFEST, "/settings/apps/new")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)["code"][0]
    assert convert(github_double, code).json()["owner"]["type"] == "User"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hook_attributes": {"url": "http://localhost:3000/hook"}}, "reachable over the public Internet"),
        ({"hook_attributes": {"url": "http://127.0.0.1:3000/hook"}}, "reachable over the public Internet"),
        ({"url": None}, "url must be a str"),
        ({"surprise": True}, "unknown manifest field 'surprise'"),
        ({"default_events": ["workflow_run"]}, "workflow_run (needs the actions permission)"),
        ({"default_events": ["no_such_event"]}, "Default events unsupported: no_such_event"),
        ({"default_permissions": {"checks": "admin"}}, "permission checks cannot be 'admin'"),
        ({"default_permissions": {"everything": "write"}}, "unknown permission 'everything'"),
        ({"name": "x" * 35}, "Name is too long"),
        ({"callback_urls": ["https://a.example"] * 11}, "at most 10"),
    ],
)
def test_github_refuses_a_manifest_outside_its_documented_fields(
    github_double: GitHubDouble, change: dict[str, Any], message: str
) -> None:
    answer = create(github_double, MANIFEST | change)
    assert answer.status_code == 422
    assert message in answer.text
    assert github_double.state.manifest_codes == {}
